/**
 * Content-Type, Content-Disposition, Content-Language and Content-Transfer-Encoding values.
 * Parameter syntax (quoting, comments, RFC 2231 continuations and charsets) is left to
 * libmime's parseHeaderValue, which is lenient with broken input; we only shape the result.
 */
import libmime from 'libmime';
import type { Disposition, Params } from './types';

export interface ContentType {
  type: string;
  subtype: string;
  params: Params;
}

// RFC 2045 token: printable ASCII without tspecials.
const TOKEN = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * libmime lists RFC 2231 parameters after the plain ones; restore the order of the header
 * (by each name's first appearance) so BODYSTRUCTURE lists them as the sender wrote them.
 */
function inHeaderOrder(value: string, params: Params): Params {
  const lower = value.toLowerCase();
  const at = (name: string): number =>
    new RegExp(`(?:^|;)\\s*${escapeRegExp(name)}(?:\\*|\\s*=)`).exec(lower)?.index ?? Infinity;
  return params
    .map((p) => ({ p, i: at(p[0]) }))
    .sort((a, b) => a.i - b.i)
    .map(({ p }) => p);
}

function parseValue(value: string): { value: string; params: Params } {
  const parsed = libmime.parseHeaderValue(value, { stripComments: true });
  // Parameter names arrive lower-cased; RFC 2047 words inside values stay encoded, as
  // IMAP returns parameter values as they are.
  return { value: parsed.value.trim(), params: inHeaderOrder(value, Object.entries(parsed.params)) };
}

/** RFC 2045 §5.2 default, also used when Content-Type is syntactically invalid. */
export function defaultContentType(context: 'text' | 'message'): ContentType {
  return context === 'message'
    ? { type: 'message', subtype: 'rfc822', params: [] }
    : { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] };
}

/**
 * @param value the Content-Type field value, or null when absent
 * @param context the default: "message" inside multipart/digest (RFC 2046 §5.1.5)
 */
export function parseContentType(value: string | null, context: 'text' | 'message'): ContentType {
  if (value === null) return defaultContentType(context);
  const parsed = parseValue(value);
  const slash = parsed.value.indexOf('/');
  const type = parsed.value.slice(0, slash).trim();
  const subtype = parsed.value.slice(slash + 1).trim();
  if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) return defaultContentType(context);
  return { type, subtype, params: parsed.params };
}

export function parseDisposition(value: string | null): Disposition | null {
  if (value === null) return null;
  const parsed = parseValue(value);
  return parsed.value ? { type: parsed.value, params: parsed.params } : null;
}

/** Content-Language is a comma-separated list of tags (RFC 3282), comments allowed. */
export function parseLanguage(value: string | null): string[] | null {
  if (value === null) return null;
  const tags = stripComments(value)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  return tags.length > 0 ? tags : null;
}

/** Content-Transfer-Encoding as written minus comments; "7BIT" (RFC 2045 §6.1) when absent. */
export function parseEncoding(value: string | null): string {
  const token = value === null ? '' : stripComments(value).trim();
  return token || '7BIT';
}

/** Removes RFC 5322 comments outside quoted strings (nesting and escapes respected). */
export function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i++;
    } else if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (c === '"') {
      quoted = !quoted;
      out += c;
    } else if (c === '(' && !quoted) {
      depth = 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** Case-insensitive parameter lookup. */
export function paramValue(params: Params, name: string): string | null {
  const wanted = name.toLowerCase();
  const found = params.find(([n]) => n === wanted);
  return found ? found[1] : null;
}
