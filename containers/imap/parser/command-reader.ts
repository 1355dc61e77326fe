/**
 * Splits the client's byte stream into IMAP commands. A command is one line, or several
 * lines joined by literals ({n}, {n+}, {n-}, ~{n}); the returned bytes are exactly what the
 * client sent (literal announcements and contents included), minus the final CRLF.
 *
 * A synchronising literal needs the server's go-ahead ("+ ..."), so the reader stops and
 * reports it; the session then calls accept() or reject() (the client will then not send it).
 * A non-synchronising literal is reported too, and may be refused with discard().
 */
export type ReaderEvent =
  | { kind: 'command'; data: Buffer }
  | { kind: 'literal'; prefix: Buffer; size: number; sync: boolean }
  | { kind: 'too-long'; prefix: Buffer };

const LITERAL_AT_END = /~?\{(\d{1,20})([+-]?)\}\r?\n$/;

type State =
  | { mode: 'line' }
  | { mode: 'decide'; size: number; sync: boolean }
  | { mode: 'literal'; remaining: number }
  | { mode: 'discard-literal'; remaining: number }
  | { mode: 'skip-command' }
  | { mode: 'skip-line' };

export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private partsLength = 0;
  private state: State = { mode: 'line' };
  private scanFrom = 0;

  get buffered(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  clear(): void {
    this.buffer = Buffer.alloc(0);
    this.scanFrom = 0;
    this.resetCommand();
  }

  /** Number of complete lines waiting (to bound pipelining). */
  pendingLines(): number {
    let n = 0;
    for (let i = this.buffer.indexOf(0x0a); i >= 0; i = this.buffer.indexOf(0x0a, i + 1)) n++;
    return n;
  }

  /** Reads a plain line (IDLE's DONE, AUTHENTICATE responses); null if incomplete. */
  readLine(maxLength: number): Buffer | 'too-long' | null {
    const lf = this.buffer.indexOf(0x0a);
    if (lf < 0) {
      if (this.buffer.length > maxLength) {
        this.buffer = Buffer.alloc(0);
        this.state = { mode: 'skip-line' };
        return 'too-long';
      }
      return null;
    }
    const end = lf > 0 && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
    const line = this.buffer.subarray(0, end);
    this.buffer = this.buffer.subarray(lf + 1);
    return line;
  }

  /** The literal announced last is wanted: its bytes follow. */
  accept(): void {
    if (this.state.mode !== 'decide') throw new Error('no literal pending');
    this.state = this.state.size === 0 ? { mode: 'line' } : { mode: 'literal', remaining: this.state.size };
  }

  /** Refuses a synchronising literal: the client will not send it; the command is dropped. */
  reject(): void {
    this.resetCommand();
    this.state = { mode: 'line' };
  }

  /** Refuses a non-synchronising literal: its bytes and the rest of the command are skipped. */
  discard(): void {
    if (this.state.mode !== 'decide') throw new Error('no literal pending');
    const size = this.state.size;
    this.resetCommand();
    this.state = { mode: 'discard-literal', remaining: size };
  }

  next(maxLineLength: number): ReaderEvent | null {
    for (;;) {
      const state = this.state;
      switch (state.mode) {
        case 'decide':
          return null;
        case 'literal': {
          if (this.buffer.length === 0) return null;
          const take = Math.min(state.remaining, this.buffer.length);
          this.addPart(this.buffer.subarray(0, take));
          this.buffer = this.buffer.subarray(take);
          state.remaining -= take;
          if (state.remaining > 0) return null;
          this.state = { mode: 'line' };
          continue;
        }
        case 'discard-literal': {
          const take = Math.min(state.remaining, this.buffer.length);
          this.buffer = this.buffer.subarray(take);
          state.remaining -= take;
          if (state.remaining > 0) return null;
          this.state = { mode: 'skip-command' };
          continue;
        }
        case 'skip-line':
        case 'skip-command': {
          const lf = this.buffer.indexOf(0x0a);
          if (lf < 0) {
            this.buffer = Buffer.alloc(0);
            return null;
          }
          const line = this.buffer.subarray(0, lf + 1);
          this.buffer = this.buffer.subarray(lf + 1);
          const literal = state.mode === 'skip-command' ? LITERAL_AT_END.exec(line.toString('latin1')) : null;
          if (literal && literal[2] !== '') {
            this.state = { mode: 'discard-literal', remaining: Number(literal[1]) };
          } else {
            this.state = { mode: 'line' };
          }
          continue;
        }
        case 'line': {
          const lf = this.buffer.indexOf(0x0a, this.scanFrom);
          if (lf < 0) {
            // The CR of the line ending may be here before its LF: allow the limit plus that CR,
            // so that the outcome does not depend on how the bytes were packeted.
            if (this.buffer.length > maxLineLength + 1) {
              const prefix = Buffer.concat([...this.parts, this.buffer.subarray(0, 200)]);
              this.buffer = Buffer.alloc(0);
              this.scanFrom = 0;
              this.resetCommand();
              this.state = { mode: 'skip-command' };
              return { kind: 'too-long', prefix };
            }
            this.scanFrom = this.buffer.length;
            return null;
          }
          this.scanFrom = 0;
          const line = this.buffer.subarray(0, lf + 1);
          this.buffer = this.buffer.subarray(lf + 1);
          const contentLength = line.length - (lf > 0 && line[line.length - 2] === 0x0d ? 2 : 1);
          if (contentLength > maxLineLength) {
            const prefix = Buffer.concat([...this.parts, line.subarray(0, 200)]);
            this.resetCommand();
            const literal = LITERAL_AT_END.exec(
              line.subarray(Math.max(0, line.length - 32)).toString('latin1'),
            );
            if (literal && literal[2] !== '')
              this.state = { mode: 'discard-literal', remaining: Number(literal[1]) };
            return { kind: 'too-long', prefix };
          }
          const tail = line.subarray(Math.max(0, line.length - 32)).toString('latin1');
          const literal = LITERAL_AT_END.exec(tail);
          if (literal) {
            this.addPart(line);
            const size = Number(literal[1]);
            const sync = literal[2] === '';
            this.state = { mode: 'decide', size, sync };
            return { kind: 'literal', prefix: this.joined(), size, sync };
          }
          const end = lf > 0 && line[line.length - 2] === 0x0d ? line.length - 2 : line.length - 1;
          this.addPart(line.subarray(0, end));
          const data = this.joined();
          this.resetCommand();
          return { kind: 'command', data };
        }
      }
    }
  }

  private addPart(part: Buffer): void {
    this.parts.push(part);
    this.partsLength += part.length;
  }

  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.partsLength)];
    return this.parts[0] ?? Buffer.alloc(0);
  }

  private resetCommand(): void {
    this.parts = [];
    this.partsLength = 0;
  }
}
