import { parseCommand, type ParseLimits, type Token } from './parser';

export type ReadItem =
  { kind: 'command'; tokens: Token[] } | { kind: 'error'; message: string; tooLarge?: boolean };

/**
 * Buffers a connection's input and hands out whole commands. A literal above the limit is never
 * buffered: its octets are counted off as they arrive, then the rest of its line is dropped, so a
 * client announcing {4000000000+} costs nothing.
 */
export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Don't re-parse before the buffer holds this much (waiting for a literal). */
  private need = 0;
  private skip = 0;
  private discardLine = false;

  constructor(private readonly limits: ParseLimits) {}

  get pending(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): void {
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, chunk.length);
      this.skip -= skipped;
      chunk = chunk.subarray(skipped);
    }
    if (chunk.length === 0) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** Drops everything buffered (after STARTTLS: pipelined plaintext must not be executed). */
  clear(): void {
    this.buffer = Buffer.alloc(0);
    this.need = 0;
    this.skip = 0;
    this.discardLine = false;
  }

  next(): ReadItem | null {
    for (;;) {
      if (this.skip > 0) return null;
      if (this.discardLine) {
        const lf = this.buffer.indexOf(0x0a);
        if (lf < 0) {
          this.buffer = Buffer.alloc(0);
          return null;
        }
        this.buffer = this.buffer.subarray(lf + 1);
        this.discardLine = false;
      }
      if (this.buffer.length === 0 || this.buffer.length < this.need) return null;
      const outcome = parseCommand(this.buffer, this.limits);
      switch (outcome.kind) {
        case 'incomplete':
          this.need = outcome.need;
          return null;
        case 'command':
          this.need = 0;
          // Copied so that the tokens do not pin the whole input buffer.
          this.buffer = Buffer.from(this.buffer.subarray(outcome.end));
          return { kind: 'command', tokens: outcome.tokens };
        case 'error':
          this.need = 0;
          this.buffer = this.buffer.subarray(outcome.end);
          return { kind: 'error', message: outcome.message };
        case 'too-long':
          this.need = 0;
          this.discardLine = true;
          return { kind: 'error', message: 'Line too long' };
        case 'too-large': {
          this.need = 0;
          const available = this.buffer.length - outcome.at;
          const skipped = Math.min(available, outcome.skip);
          this.buffer = this.buffer.subarray(outcome.at + skipped);
          this.skip = outcome.skip - skipped;
          this.discardLine = true;
          return {
            kind: 'error',
            message: `Literal of ${outcome.size} octets is above the limit of ${this.limits.maxLiteralSize}`,
            tooLarge: true,
          };
        }
      }
    }
  }
}
