/**
 * Decodes the DATA phase (RFC 5321 §4.5.2): removes dot-stuffing, stops at CRLF.CRLF, and checks
 * the content without storing more than the size limit. Only CRLF.CRLF ends the data (§4.1.1.4):
 * a "." line ends it only when the line before it ended in CRLF (or it is the first line after
 * the 354). `\n.\r\n`, `\r.\r\n`, `\n.\n` … are never an end, so the bytes after them can never be
 * read as commands — the ambiguity SMTP smuggling attacks rely on. Bare CR/LF are refused by default;
 * when tolerated (rejectBareLineEndings off) they are stored as CRLF.
 */
export type DataProblem = 'too-big' | 'bare-line-ending' | 'nul' | 'line-too-long' | '8bit-header';

export interface DataDecoderOptions {
  maxSize: number;
  maxLineLength: number;
  rejectBareLineEndings: boolean;
  /** Reject 8-bit bytes in the header unless the transaction declared SMTPUTF8. */
  allow8bitHeaders: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

export class DataDecoder {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private inHeader = true;
  /** The previous input ended in CRLF (true right after the 354): a "." line here may end the data. */
  private afterCrlf = true;
  /** The previous input was a fragment of a line (no LF yet): the next input continues that line. */
  private midLine = false;
  /** The last byte of the previous fragment was CR (the LF may come in the next piece). */
  private pendingCr = false;
  problem: DataProblem | null = null;
  done = false;

  constructor(private readonly options: DataDecoderOptions) {}

  /**
   * Feeds one raw line ending in LF, or a fragment of an over-long line without LF (the rest of
   * that line follows in later calls). Returns true at the terminating dot line.
   */
  feedLine(raw: Buffer): boolean {
    if (this.done || raw.length === 0) return this.done;
    const continuation = this.midLine;
    const endsLf = raw[raw.length - 1] === LF;
    const crlf = endsLf && (raw.length >= 2 ? raw[raw.length - 2] === CR : this.pendingCr);
    if (!continuation && this.afterCrlf && raw.length === 3 && raw[0] === DOT && crlf) {
      this.done = true;
      return true;
    }
    let line = raw;
    if (endsLf && !crlf) {
      if (this.options.rejectBareLineEndings) this.flag('bare-line-ending');
      // Normalise the bare LF so what we store is valid CRLF text.
      line = Buffer.concat([raw.subarray(0, raw.length - 1), Buffer.from('\r\n')]);
    }
    // Transparency (§4.5.2): the dot is removed at the start of every line, never mid-line.
    if (!continuation && line[0] === DOT) line = line.subarray(1);
    const content = endsLf ? line.subarray(0, line.length - 2) : line;
    // A CR at the very end of a fragment may be the first half of a CRLF: judged with the next piece.
    const inner = !endsLf && content[content.length - 1] === CR ? content.subarray(0, -1) : content;
    if (inner.includes(CR) || (continuation && this.pendingCr && raw[0] !== LF)) {
      if (this.options.rejectBareLineEndings) this.flag('bare-line-ending');
      // Tolerated bare CRs become CRLF too, so no bare line ending is ever stored or relayed.
      else if (endsLf) line = Buffer.from(line.toString('latin1').replace(/\r(?!\n)/g, '\r\n'), 'latin1');
    }
    if (content.includes(0x00)) this.flag('nul');
    if (!endsLf || content.length > this.options.maxLineLength) this.flag('line-too-long');
    if (this.inHeader && !continuation) {
      if (content.length === 0) this.inHeader = false;
      else if (!this.options.allow8bitHeaders && hasHighBit(content)) this.flag('8bit-header');
    } else if (this.inHeader && !this.options.allow8bitHeaders && hasHighBit(content)) {
      this.flag('8bit-header');
    }
    this.size += line.length;
    if (this.size > this.options.maxSize) this.flag('too-big');
    if (this.problem === null) this.parts.push(line);
    this.midLine = !endsLf;
    this.pendingCr = !endsLf && raw[raw.length - 1] === CR;
    this.afterCrlf = crlf;
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
