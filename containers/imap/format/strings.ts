/**
 * IMAP string serialisation (RFC 9051 §4.3): quoted when safe, literal otherwise
 * (CR, LF, NUL, 8-bit without UTF8=ACCEPT, or long), NIL for null.
 */
import { encodeModifiedUtf7 } from '../../../core/util/modified-utf7';

export type Chunk = string | Buffer;

const QUOTABLE_MAX = 1024;

function needsLiteral(bytes: Buffer, utf8: boolean): boolean {
  if (bytes.length > QUOTABLE_MAX) return true;
  for (const b of bytes) {
    if (b === 0x0d || b === 0x0a || b === 0) return true;
    if (b >= 0x80 && !utf8) return true;
  }
  return false;
}

/** An IMAP string for `value` (UTF-8 bytes). Returns a JS string when quoted, else a Buffer literal. */
export function imapString(value: string | Buffer, utf8 = false): Chunk {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (needsLiteral(bytes, utf8)) return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes]);
  const text = typeof value === 'string' && !bytes.some((b) => b >= 0x80) ? value : bytes.toString('utf8');
  return '"' + text.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

export function nstring(value: string | Buffer | null | undefined, utf8 = false): Chunk {
  return value === null || value === undefined ? 'NIL' : imapString(value, utf8);
}

/** Always a literal (for message data). `binary` makes it a literal8 (~{n}). */
export function literal(bytes: Buffer, binary = false): Buffer {
  return Buffer.concat([Buffer.from(`${binary ? '~' : ''}{${bytes.length}}\r\n`), bytes]);
}

/** A mailbox name as the client expects it: modified UTF-7, or UTF-8 once UTF8=ACCEPT is enabled. */
export function mailboxName(name: string, utf8: boolean): Chunk {
  return imapString(utf8 ? name : encodeModifiedUtf7(name), utf8);
}

/** Joins chunks into one Buffer. */
export function toBuffer(chunks: Chunk[]): Buffer {
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** INTERNALDATE: "dd-Mon-yyyy hh:mm:ss +0000" in UTC. */
export function formatInternalDate(date: Date): string {
  const d = date.getUTCDate();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `"${d < 10 ? ' ' + d : d}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000"`
  );
}

/** A compact sequence set ("1:3,5") from ascending numbers. */
export function formatSequenceSet(numbers: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    parts.push(j === i ? String(numbers[i]) : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
