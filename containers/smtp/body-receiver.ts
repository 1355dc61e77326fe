import type { Logger } from 'pino';
import { contentProblem, normaliseLineEndings } from './content-check';
import { DataDecoder, type DataProblem } from './data-decoder';
import type { InputBuffer } from './input-buffer';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SmtpServerOptions } from './types';

const DATA_PROBLEM_REPLIES: Record<DataProblem, SmtpReply> = {
  'too-big': reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'),
  'bare-line-ending': reply(550, '5.6.0', 'Message contains bare CR or LF; lines must end with CRLF'),
  nul: reply(550, '5.6.0', 'Message contains NUL characters'),
  'line-too-long': reply(550, '5.6.0', 'Message contains a line that is too long'),
  '8bit-header': reply(550, '5.6.7', 'Message header contains 8-bit characters; SMTPUTF8 required'),
};

/** The result of reading body input. */
export type BodyStep =
  /** More bytes are needed. */
  | 'need-more'
  /** Input consumed; the body (or chunk) goes on. */
  | 'reading'
  /** The body or chunk is complete and the transaction fails with this reply. */
  | { done: 'refused'; reply: SmtpReply }
  /** A BDAT chunk that is not the last was received. */
  | { done: 'chunk'; reply: SmtpReply }
  /** The whole message. */
  | { done: 'message'; data: Buffer };

/**
 * Reading the message body of a transaction: DATA (dot-stuffed lines up to <CRLF>.<CRLF>, checked
 * by the DataDecoder) or BDAT chunks (RFC 3030), which may span several commands.
 */
export class SmtpBodyReceiver {
  private decoder: DataDecoder | null = null;
  private bdat: {
    parts: Buffer[];
    size: number;
    remaining: number;
    last: boolean;
    failed: SmtpReply | null;
  } | null = null;

  constructor(
    private readonly options: SmtpServerOptions,
    private readonly log: Logger,
  ) {}

  /** The DATA command: null when the body may follow (354), else the error reply. */
  startData(argument: string, envelope: Envelope | null): SmtpReply | null {
    if (argument) return reply(501, '5.5.4', 'DATA takes no arguments');
    const ready = transactionReady(envelope);
    if (ready) return ready;
    if (envelope!.body === 'BINARYMIME') return reply(503, '5.5.1', 'BINARYMIME requires BDAT');
    // RFC 3030 §2: DATA may not follow BDAT in the same transaction.
    if (this.bdat) return reply(503, '5.5.1', 'DATA is not allowed after BDAT');
    this.decoder = new DataDecoder({
      maxSize: this.options.limits.maxMessageSize,
      maxLineLength: this.options.limits.maxDataLineLength,
      rejectBareLineEndings: this.options.rejectBareLineEndings,
      allow8bitHeaders: envelope!.utf8,
    });
    return null;
  }

  /** One line of a DATA body. */
  readData(input: InputBuffer): BodyStep {
    const decoder = this.decoder!;
    // Over-long lines arrive in fragments, so one endless line cannot fill memory.
    const line = input.readRawLine(this.options.limits.maxDataLineLength + 2);
    if (line === null) return 'need-more';
    if (!decoder.feedLine(line)) return 'reading';
    this.decoder = null;
    if (decoder.problem) {
      this.log.info({ problem: decoder.problem, size: decoder.receivedSize }, 'message refused');
      return { done: 'refused', reply: DATA_PROBLEM_REPLIES[decoder.problem] };
    }
    return { done: 'message', data: decoder.result() };
  }

  /**
   * The BDAT command: null when the chunk follows (it is then always read, even when the command
   * fails, so that its bytes are never taken for commands); 'desync' when not even the size can be
   * read, so there is no telling where the chunk ends and the session must be closed.
   */
  startBdat(argument: string, envelope: Envelope | null): null | 'desync' {
    const size = /^(\d{1,12})(?=\s|$)/.exec(argument);
    if (!size) return 'desync';
    const match = /^(\d{1,12})(?:\s+(LAST))?$/i.exec(argument);
    const last = match?.[2] !== undefined;
    const failed = match ? transactionReady(envelope) : reply(501, '5.5.4', 'Syntax: BDAT size [LAST]');
    if (!match) {
      // The chunk is swallowed and the transaction fails (Postfix does the same).
      this.bdat = { parts: [], size: 0, remaining: Number(size[1]), last: true, failed };
      return null;
    }
    if (!this.bdat) this.bdat = { parts: [], size: 0, remaining: 0, last: false, failed };
    this.bdat.remaining = Number(match[1]);
    this.bdat.last = last;
    if (failed && !this.bdat.failed) this.bdat.failed = failed;
    return null;
  }

  /** Bytes of a BDAT chunk. */
  readBdat(input: InputBuffer, envelope: Envelope | null): BodyStep {
    const state = this.bdat!;
    if (state.remaining > 0) {
      const bytes = input.readBytes(state.remaining);
      if (bytes.length === 0) return 'need-more';
      state.remaining -= bytes.length;
      state.size += bytes.length;
      if (state.size > this.options.limits.maxMessageSize && !state.failed) {
        state.failed = DATA_PROBLEM_REPLIES['too-big'];
      }
      if (!state.failed) state.parts.push(Buffer.from(bytes));
      if (state.remaining > 0) return 'reading';
    }
    if (state.failed) {
      // The chunk is consumed; the whole transaction fails (RFC 3030 §2).
      this.bdat = null;
      return { done: 'refused', reply: state.failed };
    }
    if (!state.last) return { done: 'chunk', reply: reply(250, '2.0.0', `${state.size} octets received`) };
    return this.finishChunks(envelope);
  }

  /**
   * A BURL part (RFC 4468): the fetched content counts as a chunk of the same message as BDAT's,
   * so BURL and BDAT may be mixed; with LAST the message is complete and checked as BDAT's is.
   */
  addBurl(data: Buffer, last: boolean, envelope: Envelope | null): BodyStep {
    if (!this.bdat) this.bdat = { parts: [], size: 0, remaining: 0, last, failed: null };
    const state = this.bdat;
    state.last = last;
    state.size += data.length;
    if (state.size > this.options.limits.maxMessageSize && !state.failed) {
      state.failed = DATA_PROBLEM_REPLIES['too-big'];
    }
    if (!state.failed) state.parts.push(data);
    if (state.failed) {
      this.bdat = null;
      return { done: 'refused', reply: state.failed };
    }
    if (!last)
      return {
        done: 'chunk',
        reply: reply(250, '2.5.0', `${state.size} octets; waiting for more BURL or BDAT`),
      };
    return this.finishChunks(envelope);
  }

  /** The last chunk is in: the whole message, or the refusal of its content. */
  private finishChunks(envelope: Envelope | null): BodyStep {
    const state = this.bdat!;
    this.bdat = null;
    const binary = envelope!.body === 'BINARYMIME';
    let data: Buffer = Buffer.concat(state.parts);
    if (!this.options.rejectBareLineEndings && !binary) data = normaliseLineEndings(data);
    const problem = contentProblem(data, {
      maxLineLength: this.options.limits.maxDataLineLength,
      rejectBareLineEndings: this.options.rejectBareLineEndings,
      allow8bitHeaders: envelope!.utf8,
      binary,
    });
    if (problem) {
      this.log.info({ problem, size: state.size }, 'message refused');
      return { done: 'refused', reply: DATA_PROBLEM_REPLIES[problem] };
    }
    return { done: 'message', data };
  }

  /** The transaction ends: chunks received so far are dropped. */
  reset(): void {
    this.bdat = null;
  }
}

export function transactionReady(envelope: Envelope | null): SmtpReply | null {
  if (!envelope) return reply(503, '5.5.1', 'Need MAIL command');
  if (envelope.recipients.length === 0) return reply(554, '5.5.1', 'No valid recipients');
  return null;
}
