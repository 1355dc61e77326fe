import { validScriptName } from '../../core/sieve/script-store';
import { decodeUtf8Strict } from '../../core/util/utf8';
import type { Token } from './parser';

/** A string argument as text; null for an atom or invalid UTF-8. */
export function textArg(token: Token | undefined): string | null {
  if (!token || token.type !== 'string') return null;
  return decodeUtf8Strict(token.bytes);
}

/** A script name argument (RFC 5804 §1.6), or why it is not one. */
export function scriptNameArg(token: Token | undefined): { name: string } | { error: string } {
  const text = textArg(token);
  if (text === null) return { error: 'Script name must be a UTF-8 string' };
  if (!validScriptName(text)) return { error: 'Invalid script name' };
  return { name: text };
}

/** A number argument (RFC 5804 number: 0..4294967295). */
export function numberArg(token: Token | undefined): number | null {
  if (!token || token.type !== 'atom' || !/^\d{1,10}$/.test(token.value)) return null;
  const n = Number(token.value);
  return n <= 4_294_967_295 ? n : null;
}
