/**
 * Splits input into command lines (LF-terminated, a CR before it dropped). A line longer than the
 * limit is reported once as 'too-long' and everything up to its LF is thrown away, however many
 * chunks it spans.
 */
export class LineReader {
  private buffer: Buffer = Buffer.alloc(0);
  private discarding = false;

  constructor(private readonly maxLength: number) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** Drops everything buffered (after STLS: pipelined plaintext must not be executed). */
  clear(): void {
    this.buffer = Buffer.alloc(0);
    this.discarding = false;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** The next line without its terminator, 'too-long', or null when more input is needed. */
  next(): Buffer | 'too-long' | null {
    for (;;) {
      const lf = this.buffer.indexOf(0x0a);
      if (this.discarding) {
        if (lf < 0) {
          this.buffer = Buffer.alloc(0);
          return null;
        }
        this.buffer = this.buffer.subarray(lf + 1);
        this.discarding = false;
        continue;
      }
      if (lf < 0) {
        // The line terminator alone may still arrive: allow the limit plus CR.
        if (this.buffer.length <= this.maxLength + 1) return null;
        this.discarding = true;
        return 'too-long';
      }
      const end = lf > 0 && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = this.buffer.subarray(0, end);
      this.buffer = this.buffer.subarray(lf + 1);
      return line.length > this.maxLength ? 'too-long' : line;
    }
  }
}
