import { decodeUtf8Strict } from '../../core/util/utf8';

/** One POP3 command line, split but not yet interpreted (RFC 1939 §3, RFC 2449 §3). */
export interface Pop3Command {
  /** Upper-cased keyword. */
  verb: string;
  /** Space-separated arguments. */
  args: string[];
  /** Everything after the keyword and one space, untouched (PASS allows spaces, RFC 1939 §7). */
  rest: string;
}

export type ParseResult = { ok: true; command: Pop3Command } | { ok: false; reason: string };

const KEYWORD = /^[A-Za-z]{3,4}$/;

export function parseCommand(line: Buffer): ParseResult {
  if (line.includes(0)) return { ok: false, reason: 'NUL in command' };
  // Invalid UTF-8 is refused outright rather than decoded to U+FFFD and looked up.
  const text = decodeUtf8Strict(line);
  if (text === null) return { ok: false, reason: 'Command is not valid UTF-8' };
  const space = text.indexOf(' ');
  const keyword = space < 0 ? text : text.slice(0, space);
  if (!KEYWORD.test(keyword)) return { ok: false, reason: 'Unknown command' };
  const rest = space < 0 ? '' : text.slice(space + 1);
  const args = rest.split(' ').filter((arg) => arg.length > 0);
  return { ok: true, command: { verb: keyword.toUpperCase(), args, rest } };
}

/** A message-number argument: a positive decimal, or null. */
export function parseMessageNumber(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

/** A non-negative line count for TOP, or null. */
export function parseLineCount(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return null;
  return Number(value);
}
