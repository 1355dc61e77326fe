/**
 * Decodes the DATA phase (RFC 5321 §4.5.2): removes dot-stuffing, stops at CRLF.CRLF, and checks
 * the content without storing more than the size limit. Only CRLF.CRLF ends the data, and bare
 * CR/LF are refused by default — the ambiguity SMTP smuggling attacks rely on.
 */
export type DataProblem = 'too-big' | 'bare-line-ending' | 'nul' | 'line-too-long' | '8bit-header';

export interface DataDecoderOptions {
  maxSize: number;
  maxLineLength: number;
  rejectBareLineEndings: boolean;
  /** Reject 8-bit bytes in the header unless the transaction declared SMTPUTF8. */
  allow8bitHeaders: boolean;
}

export class DataDecoder {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private inHeader = true;
  problem: DataProblem | null = null;
  done = false;

  constructor(private readonly options: DataDecoderOptions) {}

  /** Feeds one raw line (ending in LF, or the last fragment); returns true at the terminating dot. */
  feedLine(raw: Buffer): boolean {
    const crlf = raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === 0x0a;
    if (crlf && raw.length === 3 && raw[0] === 0x2e) {
      this.done = true;
      return true;
    }
    let line = raw;
    if (!crlf) {
      if (this.options.rejectBareLineEndings) this.flag('bare-line-ending');
      // Normalise the bare LF so what we store is valid CRLF text.
      line = Buffer.concat([raw.subarray(0, raw.length - 1), Buffer.from('\r\n')]);
    }
    if (line[0] === 0x2e) line = line.subarray(1);
    const content = line.subarray(0, line.length - 2);
    if (content.includes(0x0d)) {
      if (this.options.rejectBareLineEndings) this.flag('bare-line-ending');
    }
    if (content.includes(0x00)) this.flag('nul');
    if (content.length > this.options.maxLineLength) this.flag('line-too-long');
    if (this.inHeader) {
      if (content.length === 0) this.inHeader = false;
      else if (!this.options.allow8bitHeaders && hasHighBit(content)) this.flag('8bit-header');
    }
    this.size += line.length;
    if (this.size > this.options.maxSize) this.flag('too-big');
    if (this.problem === null) this.parts.push(line);
    return false;
  }

  get receivedSize(): number {
    return this.size;
  }

  result(): Buffer {
    return Buffer.concat(this.parts);
  }

  private flag(problem: DataProblem): void {
    if (this.problem === null) this.problem = problem;
    this.parts.length = 0;
  }
}

function hasHighBit(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte > 0x7f) return true;
  return false;
}
