/**
 * Bytes received but not yet consumed. Command lines end at LF (a trailing CR is dropped);
 * lines longer than the limit are reported once and skipped to their end.
 */
export class InputBuffer {
  private chunks: Buffer[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private scanFrom = 0;

  get length(): number {
    this.flatten();
    return this.buffer.length;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  clear(): void {
    this.chunks = [];
    this.buffer = Buffer.alloc(0);
    this.scanFrom = 0;
  }

  /** Next line without its terminator, 'too-long' when over `maxLength`, or null if incomplete. */
  readLine(maxLength: number): Buffer | 'too-long' | null {
    this.flatten();
    const lf = this.buffer.indexOf(0x0a, this.scanFrom);
    if (lf < 0 && this.discardLine) {
      // Still inside a line already reported as too long: drop it silently.
      this.buffer = Buffer.alloc(0);
      this.scanFrom = 0;
      return null;
    }
    if (lf < 0) {
      // The CR of the line ending may be here before its LF: allow the limit plus that CR.
      if (this.buffer.length > maxLength + 1) {
        this.discardLine = true;
        this.buffer = Buffer.alloc(0);
        this.scanFrom = 0;
        return 'too-long';
      }
      this.scanFrom = this.buffer.length;
      return null;
    }
    const end = lf > 0 && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
    const line = this.buffer.subarray(0, end);
    this.buffer = this.buffer.subarray(lf + 1);
    this.scanFrom = 0;
    if (this.discardLine) {
      this.discardLine = false;
      return this.readLine(maxLength);
    }
    if (line.length > maxLength) return 'too-long';
    return line;
  }

  /**
   * Next raw line including its LF (for DATA), or null if incomplete. Without an LF in sight, a
   * fragment of `maxFragment` bytes is returned instead, so an endless line cannot fill memory.
   */
  readRawLine(maxFragment = Infinity): Buffer | null {
    this.flatten();
    const lf = this.buffer.indexOf(0x0a, this.scanFrom);
    if (lf < 0) {
      if (this.buffer.length > maxFragment) return this.readBytes(maxFragment);
      this.scanFrom = this.buffer.length;
      return null;
    }
    const line = this.buffer.subarray(0, lf + 1);
    this.buffer = this.buffer.subarray(lf + 1);
    this.scanFrom = 0;
    return line;
  }

  /** Up to `count` bytes (for BDAT). */
  readBytes(count: number): Buffer {
    this.flatten();
    const taken = this.buffer.subarray(0, Math.min(count, this.buffer.length));
    this.buffer = this.buffer.subarray(taken.length);
    this.scanFrom = 0;
    return taken;
  }

  private discardLine = false;

  private flatten(): void {
    if (this.chunks.length === 0) return;
    this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
    this.chunks = [];
  }
}
