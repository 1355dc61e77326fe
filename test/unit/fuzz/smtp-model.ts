/**
 * Reference models for the SMTP body fuzz tests: the plain reading of RFC 5321 that the streaming
 * decoders must agree with, however the bytes are split into packets.
 */
import {
  DataDecoder,
  type DataDecoderOptions,
  type DataProblem,
} from '../../../containers/smtp/data-decoder';
import { InputBuffer } from '../../../containers/smtp/input-buffer';

/**
 * Where DATA ends in the bytes after the 354: just after the first <CRLF>.<CRLF>, where the CRLF
 * that ended the DATA command counts as the first CRLF (§4.1.1.4). -1 when it does not end.
 */
export function modelDataEnd(stream: Buffer): number {
  const index = Buffer.concat([Buffer.from('\r\n'), stream]).indexOf('\r\n.\r\n');
  return index < 0 ? -1 : index + 3;
}

/** The message the bytes before the terminator stand for, or null when a strict server refuses it. */
export function modelStrictMessage(content: Buffer, maxLineLength: number): Buffer | null {
  if (content.includes(0)) return null;
  for (let i = 0; i < content.length; i++) {
    if (content[i] === 0x0d && content[i + 1] !== 0x0a) return null;
    if (content[i] === 0x0a && content[i - 1] !== 0x0d) return null;
  }
  const text = content.toString('latin1');
  const lines = text === '' ? [] : text.slice(0, -2).split('\r\n');
  const unstuffed = lines.map((line) => (line.startsWith('.') ? line.slice(1) : line));
  if (unstuffed.some((line) => line.length > maxLineLength)) return null;
  return Buffer.from(unstuffed.map((line) => line + '\r\n').join(''), 'latin1');
}

export interface DecodeRun {
  /** Bytes consumed up to and including the terminator, or -1 if the decoder is still reading. */
  end: number;
  problem: DataProblem | null;
  result: Buffer;
}

/** Drives the real decoder as the session does: packets in, raw lines (or fragments) out. */
export function runDecoder(stream: Buffer, packetSizes: number[], options: DataDecoderOptions): DecodeRun {
  const input = new InputBuffer();
  const decoder = new DataDecoder(options);
  let consumed = 0;
  let offset = 0;
  let sizes = packetSizes.length > 0 ? packetSizes : [stream.length || 1];
  while (offset < stream.length) {
    const size = sizes[0];
    sizes = sizes.length > 1 ? sizes.slice(1) : sizes;
    input.push(stream.subarray(offset, offset + size));
    offset += size;
    for (;;) {
      const line = input.readRawLine(options.maxLineLength + 2);
      if (line === null) break;
      consumed += line.length;
      if (decoder.feedLine(line))
        return { end: consumed, problem: decoder.problem, result: decoder.result() };
    }
  }
  return { end: -1, problem: decoder.problem, result: decoder.result() };
}
