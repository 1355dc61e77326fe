/**
 * RFC 5322 address lists into RFC 3501 envelope addresses. Real headers are often broken,
 * so this never throws: it tokenizes leniently and takes whatever shape is recognisable.
 */
import type { Address } from './types';

type TokenKind = 'atom' | 'quoted' | 'comment' | 'literal' | 'special';

interface Token {
  kind: TokenKind;
  text: string;
  /** Whitespace came before this token: phrases keep one space there. */
  space: boolean;
}

const SPECIALS = '<>@,;:';
const WSP = /[ \t\r\n]/;

/** Reads a (nested) comment starting at value[start] === '('; unterminated runs to the end. */
function readComment(value: string, start: number): { text: string; next: number } {
  let depth = 0;
  let text = '';
  for (let i = start; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      text += value[i + 1] ?? '';
      i++;
    } else if (c === '(') {
      if (depth++ > 0) text += c;
    } else if (c === ')') {
      if (--depth === 0) return { text, next: i + 1 };
      text += c;
    } else {
      text += c;
    }
  }
  return { text, next: value.length };
}

/** A quoted string's content, or null when it never closes. */
function readQuoted(value: string, start: number): { text: string; next: number } | null {
  let text = '';
  for (let i = start + 1; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      text += value[i + 1] ?? '';
      i++;
    } else if (c === '"') {
      return { text, next: i + 1 };
    } else {
      text += c;
    }
  }
  return null;
}

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let space = false;
  let i = 0;
  const push = (kind: TokenKind, text: string, next: number): void => {
    tokens.push({ kind, text, space });
    space = false;
    i = next;
  };
  while (i < value.length) {
    const c = value[i];
    const quoted = c === '"' ? readQuoted(value, i) : null;
    if (WSP.test(c)) {
      space = true;
      i++;
    } else if (quoted) {
      push('quoted', quoted.text, quoted.next);
    } else if (c === '(') {
      const comment = readComment(value, i);
      push('comment', comment.text, comment.next);
    } else if (c === '[') {
      const close = value.indexOf(']', i);
      const next = close < 0 ? value.length : close + 1;
      push('literal', value.slice(i, next), next);
    } else if (SPECIALS.includes(c)) {
      push('special', c, i + 1);
    } else {
      // An atom; an unterminated quote is taken as an ordinary character so that the rest
      // of the header (often a perfectly good <addr>) still parses.
      let j = i + 1;
      while (j < value.length && !WSP.test(value[j]) && !'<>@,;:("['.includes(value[j])) j++;
      push('atom', value.slice(i, j), j);
    }
  }
  return tokens;
}

const isSpecial = (t: Token | undefined, c: string): boolean => t?.kind === 'special' && t.text === c;

/** Display-name words joined by single spaces; comments dropped. */
function phrase(tokens: Token[]): string | null {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    out += (out && t.space ? ' ' : '') + t.text;
  }
  return out || null;
}

/** Local part and domain are written without the whitespace/comments around them. */
function compact(tokens: Token[]): string {
  return tokens
    .filter((t) => t.kind !== 'comment')
    .map((t) => t.text)
    .join('');
}

function lastComment(tokens: Token[]): string | null {
  const comments = tokens.filter((t) => t.kind === 'comment' && t.text.trim());
  return comments.length > 0 ? comments[comments.length - 1].text.trim() : null;
}

function addrSpec(tokens: Token[]): { mailbox: string; host: string } {
  let at = -1;
  tokens.forEach((t, i) => {
    if (isSpecial(t, '@')) at = i;
  });
  const local = compact(at < 0 ? tokens : tokens.slice(0, at));
  const domain = at < 0 ? '' : compact(tokens.slice(at + 1));
  // Dovecot's placeholders: a null host would make the client read a group marker.
  return { mailbox: local || 'MISSING_MAILBOX', host: domain || 'MISSING_DOMAIN' };
}

/** One mailbox (name-addr or addr-spec) from the tokens between separators. */
function mailbox(tokens: Token[]): Address | null {
  if (!tokens.some((t) => t.kind !== 'comment')) return null;
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  if (open < 0) {
    return { name: lastComment(tokens), adl: null, ...addrSpec(tokens) };
  }
  let close = tokens.findIndex((t, i) => i > open && isSpecial(t, '>'));
  if (close < 0) close = tokens.length;
  let inner = tokens.slice(open + 1, close);
  let adl: string | null = null;
  // Obsolete source route: <@a,@b:user@host>.
  const colon = inner.findIndex((t) => isSpecial(t, ':'));
  if (isSpecial(inner[0], '@') && colon > 0) {
    adl = compact(inner.slice(0, colon));
    inner = inner.slice(colon + 1);
  }
  const name = phrase(tokens.slice(0, open)) ?? lastComment(tokens.slice(close));
  return { name, adl, ...addrSpec(inner) };
}

const GROUP_END: Address = { name: null, adl: null, mailbox: null, host: null };

/**
 * Parses an address list. Returns null when there is no address at all, so that the
 * envelope can say NIL (and Sender/Reply-To can fall back to From).
 */
export function parseAddressList(value: string | null): Address[] | null {
  if (value === null) return null;
  const out: Address[] = [];
  let current: Token[] = [];
  let inAngle = false;
  let inGroup = false;
  const flush = (): void => {
    const address = mailbox(current);
    if (address) out.push(address);
    current = [];
  };
  for (const t of tokenize(value)) {
    if (inAngle) {
      // Commas and colons inside <...> belong to a source route.
      if (isSpecial(t, '>')) inAngle = false;
      current.push(t);
    } else if (isSpecial(t, '<')) {
      inAngle = true;
      current.push(t);
    } else if (isSpecial(t, ',')) {
      flush();
    } else if (isSpecial(t, ':') && !inGroup && !current.some((c) => isSpecial(c, '@'))) {
      out.push({ name: null, adl: null, mailbox: phrase(current) ?? '', host: null });
      current = [];
      inGroup = true;
    } else if (isSpecial(t, ';')) {
      flush();
      if (inGroup) out.push({ ...GROUP_END });
      inGroup = false;
    } else {
      current.push(t);
    }
  }
  flush();
  // A group that never saw its ';' is closed at the end, keeping the markers balanced.
  if (inGroup) out.push({ ...GROUP_END });
  return out.length > 0 ? out : null;
}
