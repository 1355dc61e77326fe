/** Text to a validated SieveScript, or the first error with its position. Never throws. */
import { SieveSyntaxError } from './lexer';
import { Parser } from './parser';
import type { SieveCompileResult } from './types';
import { collectRequires, validateScript } from './validate';

export const DEFAULT_MAX_BYTES = 64 * 1024;
const PARSE_LIMITS = { maxString: 64 * 1024, maxDepth: 64, maxListItems: 1024 };

export function compileSieve(
  text: string,
  options: { maxBytes?: number; global?: boolean } = {},
): SieveCompileResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    return { ok: false, error: { line: 1, column: 1, message: `script larger than ${maxBytes} bytes` } };
  }
  try {
    const raw = new Parser(text, {
      ...PARSE_LIMITS,
      maxString: Math.min(PARSE_LIMITS.maxString, maxBytes),
    }).parseScript();
    const requires = collectRequires(raw);
    const global = options.global ?? false;
    const commands = validateScript(raw, { requires, global });
    return { ok: true, script: { kind: 'sieve-script', requires: [...requires], commands, global } };
  } catch (err) {
    if (err instanceof SieveSyntaxError) {
      return { ok: false, error: { line: err.pos.line, column: err.pos.column, message: err.message } };
    }
    // A bug must not take down the upload path: report it as an error at the start.
    return { ok: false, error: { line: 1, column: 1, message: `internal error: ${String(err)}` } };
  }
}
