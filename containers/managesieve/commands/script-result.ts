import type { SieveCompileError } from '../../../core/sieve/script-store';
import { decodeUtf8Strict } from '../../../core/util/utf8';
import type { Token } from '../parser';

/** A compile error as text, with the position compileSieve reported. */
export function compileErrorText(error: SieveCompileError): string {
  return error.line > 0 ? `line ${error.line}, column ${error.column}: ${error.message}` : error.message;
}

/** A script argument: a string of UTF-8 (RFC 5804 §2.6: scripts are UTF-8). */
export function scriptArg(token: Token | undefined): string | { error: string } {
  if (!token || token.type !== 'string') return { error: 'Script must be a string or literal' };
  const text = decodeUtf8Strict(token.bytes);
  return text ?? { error: 'Script is not valid UTF-8' };
}
