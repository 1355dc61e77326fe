/**
 * Line checks for a message received with BDAT (RFC 3030). BDAT is counted in bytes, so it has no
 * terminator to smuggle through, but the message is later relayed with DATA: a bare LF, a bare CR
 * or a NUL accepted here could end the data (or be read as a command) at a laxer server downstream.
 * So BDAT content is held to the same rules as DATA content (see data-decoder.ts).
 */
import type { DataDecoderOptions, DataProblem } from './data-decoder';

/** DATA's line rules, plus whether the body is BINARYMIME. */
export interface ContentCheckOptions extends Pick<
  DataDecoderOptions,
  'maxLineLength' | 'rejectBareLineEndings' | 'allow8bitHeaders'
> {
  /** BODY=BINARYMIME: the body may hold any octets; only the header is checked. */
  binary: boolean;
}

const CR = 0x0d;
const LF = 0x0a;

/** The first problem in a whole message, or null. */
export function contentProblem(data: Buffer, options: ContentCheckOptions): DataProblem | null {
  let lineStart = 0;
  let inHeader = true;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    if (!inHeader && options.binary) break;
    if (byte === 0x00) return 'nul';
    if (byte === CR && data[i + 1] !== LF && options.rejectBareLineEndings) return 'bare-line-ending';
    if (byte === LF) {
      if (data[i - 1] !== CR && options.rejectBareLineEndings) return 'bare-line-ending';
      const length = i - lineStart - (data[i - 1] === CR ? 1 : 0);
      if (length > options.maxLineLength) return 'line-too-long';
      if (inHeader && length === 0) inHeader = false;
      lineStart = i + 1;
      continue;
    }
    if (byte > 0x7f && inHeader && !options.allow8bitHeaders) return '8bit-header';
  }
  if (!(!inHeader && options.binary) && data.length - lineStart > options.maxLineLength)
    return 'line-too-long';
  return null;
}

/**
 * Bare CR and bare LF as CRLF: what a tolerant server (rejectBareLineEndings off) stores, so that
 * no bare line ending is ever kept or relayed. Binary (BINARYMIME) bodies are left alone.
 */
export function normaliseLineEndings(data: Buffer): Buffer {
  const text = data.toString('latin1');
  if (!/\r(?!\n)|(?<!\r)\n/.test(text)) return data;
  return Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}
