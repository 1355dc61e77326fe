import type { RespCode } from './types';

/**
 * A string as the server sends it (RFC 5804 §4): quoted when it is short and has no CR, LF or
 * NUL, a {n} literal otherwise.
 */
export function sieveString(value: string | Buffer): string {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.length <= 1024 && !/[\r\n\0]/.test(text)) return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `{${Buffer.byteLength(text, 'utf8')}}\r\n${text}`;
}

function status(word: 'OK' | 'NO' | 'BYE', text?: string, code?: RespCode): string {
  const parts: string[] = [word];
  if (code) parts.push(`(${code})`);
  if (text !== undefined) parts.push(sieveString(text));
  return `${parts.join(' ')}\r\n`;
}

export const ok = (text?: string, code?: RespCode): string => status('OK', text, code);
export const no = (text: string, code?: RespCode): string => status('NO', text, code);
export const bye = (text: string, code?: RespCode): string => status('BYE', text, code);

/** The capability lines (RFC 5804 §1.7) followed by OK. */
export function capabilityResponse(lines: ReadonlyArray<readonly [string, string?]>): string {
  const body = lines.map(([name, value]) =>
    value === undefined ? `"${name}"` : `"${name}" ${sieveString(value)}`,
  );
  return `${body.join('\r\n')}\r\n${ok()}`;
}
