import type { RespCode } from './types';

const CRLF = Buffer.from('\r\n');
const TERMINATOR = Buffer.from('.\r\n');

export function ok(text = ''): string {
  return text ? `+OK ${text}\r\n` : '+OK\r\n';
}

export function err(text: string, code?: RespCode): string {
  return code ? `-ERR [${code}] ${text}\r\n` : `-ERR ${text}\r\n`;
}

/** A multi-line response (RFC 1939 §3): status line, byte-stuffed body, "." terminator. */
export function multiline(status: string, body: Buffer | string[]): Buffer {
  const data = Array.isArray(body) ? Buffer.from(body.map((line) => `${line}\r\n`).join(''), 'utf8') : body;
  return Buffer.concat([Buffer.from(ok(status)), dotStuff(data), TERMINATOR]);
}

/**
 * Doubles a "." that starts a line and makes the data end with CRLF. A line starts after any LF,
 * not only after CRLF, so a stored bare LF can never forge an early terminator for a client that
 * splits on LF.
 */
export function dotStuff(data: Buffer): Buffer {
  if (data.length === 0) return data;
  const parts: Buffer[] = [];
  let copied = 0;
  let lineStart = 0;
  while (lineStart < data.length) {
    if (data[lineStart] === 0x2e) {
      parts.push(data.subarray(copied, lineStart), DOT);
      copied = lineStart;
    }
    const lf = data.indexOf(0x0a, lineStart);
    if (lf < 0) break;
    lineStart = lf + 1;
  }
  parts.push(data.subarray(copied));
  if (!endsWithCrlf(data)) parts.push(CRLF);
  return parts.length === 1 ? data : Buffer.concat(parts);
}

const DOT = Buffer.from('.');

function endsWithCrlf(data: Buffer): boolean {
  return data.length >= 2 && data[data.length - 2] === 0x0d && data[data.length - 1] === 0x0a;
}

/** TOP (RFC 1939 §7): the header, the blank line, then the first `lines` lines of the body. */
export function topOf(message: Buffer, lines: number): Buffer {
  const bodyStart = findBodyStart(message);
  if (bodyStart < 0) return message;
  let end = bodyStart;
  for (let i = 0; i < lines && end < message.length; i++) {
    const lf = message.indexOf(0x0a, end);
    end = lf < 0 ? message.length : lf + 1;
  }
  return message.subarray(0, end);
}

/** Offset just after the empty line that ends the header, or -1 when there is no body. */
function findBodyStart(message: Buffer): number {
  let lineStart = 0;
  while (lineStart < message.length) {
    const lf = message.indexOf(0x0a, lineStart);
    if (lf < 0) return -1;
    const length = lf - lineStart;
    if (length === 0 || (length === 1 && message[lineStart] === 0x0d)) return lf + 1;
    lineStart = lf + 1;
  }
  return -1;
}
