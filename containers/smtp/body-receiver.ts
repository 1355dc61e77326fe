import type { Logger } from 'pino';
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
    const line = input.readRawLine();
    if (line === null) return 'need-more';
    if (!decoder.feedLine(line)) return 'reading';
    this.decoder = null;
    if (decoder.problem) {
      this.log.info({ problem: decoder.problem, size: decoder.receivedSize }, 'message refused');
      return { done: 'refused', reply: DATA_PROBLEM_REPLIES[decoder.problem] };
    }
    return { done: 'message', data: decoder.result() };
  }

  /** The BDAT command: null when the chunk follows, else the error reply (no chunk is read then). */
  startBdat(argument: string, envelope: Envelope | null): SmtpReply | null {
    const match = /^(\d{1,12})(?:\s+(LAST))?$/i.exec(argument);
    if (!match) return reply(501, '5.5.4', 'Syntax: BDAT size [LAST]');
    const size = Number(match[1]);
    const last = match[2] !== undefined;
    const failed = transactionReady(envelope);
    if (!this.bdat) this.bdat = { parts: [], size: 0, remaining: 0, last: false, failed };
    this.bdat.remaining = size;
    this.bdat.last = last;
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
    this.bdat = null;
    const data = Buffer.concat(state.parts);
    if (!envelope!.utf8 && headerHas8bit(data)) {
      return { done: 'refused', reply: DATA_PROBLEM_REPLIES['8bit-header'] };
    }
    return { done: 'message', data };
  }

  /** The transaction ends: chunks received so far are dropped. */
  reset(): void {
    this.bdat = null;
  }
}

function transactionReady(envelope: Envelope | null): SmtpReply | null {
  if (!envelope) return reply(503, '5.5.1', 'Need MAIL command');
  if (envelope.recipients.length === 0) return reply(554, '5.5.1', 'No valid recipients');
  return null;
}

function headerHas8bit(data: Buffer): boolean {
  let end = data.indexOf('\r\n\r\n');
  if (end < 0) end = data.length;
  for (let i = 0; i < end; i++) if (data[i] > 0x7f) return true;
  return false;
}
