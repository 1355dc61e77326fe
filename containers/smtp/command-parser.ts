/**
 * SMTP command-line parsing (RFC 5321 §4.1), separate from handling: turns a line into a verb,
 * an argument, and for MAIL/RCPT a path plus ESMTP parameters.
 */
export interface CommandLine {
  verb: string;
  argument: string;
}

export function parseCommandLine(line: string): CommandLine {
  const match = /^([A-Za-z]+)(?: (.*))?$/.exec(line);
  if (!match) return { verb: '', argument: line };
  return { verb: match[1].toUpperCase(), argument: (match[2] ?? '').trim() };
}

export interface PathCommand {
  /** The mailbox, without angle brackets or source route; '' is the null path <>. */
  address: string;
  params: Map<string, string | true>;
}

export type PathParseResult = { ok: true; value: PathCommand } | { ok: false; error: string };

/** Parses "FROM:<path> params" or "TO:<path> params". Accepts "FROM: <x>" (a common client quirk). */
export function parsePathCommand(argument: string, keyword: 'FROM' | 'TO'): PathParseResult {
  const prefix = new RegExp(`^${keyword}:\\s*`, 'i');
  if (!prefix.test(argument)) return { ok: false, error: `expected ${keyword}:<address>` };
  const rest = argument.replace(prefix, '');
  if (!rest.startsWith('<')) return { ok: false, error: 'the address must be enclosed in <>' };
  const end = findPathEnd(rest);
  if (end < 0) return { ok: false, error: 'unterminated <address>' };
  let path = rest.slice(1, end);
  // Source routes (<@a,@b:user@c>) are obsolete: RFC 5321 §C says use the final mailbox only.
  const route = /^@[^:]+:(.+)$/.exec(path);
  if (route) path = route[1];
  const params = new Map<string, string | true>();
  const tail = rest.slice(end + 1).trim();
  if (tail) {
    for (const token of tail.split(/\s+/)) {
      const eq = token.indexOf('=');
      const name = (eq < 0 ? token : token.slice(0, eq)).toUpperCase();
      if (!/^[A-Z0-9][A-Z0-9-]*$/.test(name)) return { ok: false, error: `invalid parameter "${token}"` };
      if (params.has(name)) return { ok: false, error: `duplicate parameter ${name}` };
      params.set(name, eq < 0 ? true : token.slice(eq + 1));
    }
  }
  return { ok: true, value: { address: path, params } };
}

/** Index of the closing '>' of a path, honouring quoted local parts ("a>b"@example.com). */
function findPathEnd(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '\\') {
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === '>' && !quoted) return i;
  }
  return -1;
}

/** Decodes an RFC 3461 xtext value (ORCPT, ENVID). */
export function decodeXtext(value: string): string {
  return value.replace(/\+([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
