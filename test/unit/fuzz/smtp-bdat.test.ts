/**
 * Fuzz layer for BDAT (RFC 3030): the receiver is driven exactly as the session drives it
 * (command line, then chunk bytes), over any packet split. No byte inside a chunk is ever read as
 * a command — whatever the chunk holds, and even when the BDAT command itself is refused — and a
 * message is accepted exactly when it would be accepted through DATA (no bare CR/LF, no NUL).
 */
import fc from 'fast-check';
import pino from 'pino';
import { SmtpBodyReceiver, type BodyStep } from '../../../containers/smtp/body-receiver';
import { parseCommandLine } from '../../../containers/smtp/command-parser';
import { InputBuffer } from '../../../containers/smtp/input-buffer';
import { DEFAULT_SMTP_LIMITS, type Envelope, type SmtpServerOptions } from '../../../containers/smtp/types';
import { modelStrictMessage } from './smtp-model';

const SEED = 20261105;
const RUNS = 300;

const options: SmtpServerOptions = {
  name: 'mx',
  hostname: 'mx.test',
  limits: { ...DEFAULT_SMTP_LIMITS, maxDataLineLength: 1000 },
  pregreetMs: 0,
  trustedNetworks: [],
  authEnabled: false,
  authRequired: false,
  allowInsecureAuth: false,
  rejectBareLineEndings: true,
  implicitTls: false,
};

const envelope = (body: Envelope['body']): Envelope => ({
  mailFrom: 'a@remote.test',
  utf8: true,
  body,
  declaredSize: null,
  dsn: {},
  recipients: [{ address: 'victim@example.test' }],
});

interface Outcome {
  commands: string[];
  replies: string[];
  message: Buffer | null;
}

/** The session's read loop, minus the socket: commands and chunks from one byte stream. */
function drive(stream: Buffer, sizes: number[], env: Envelope | null, tolerant = false): Outcome {
  const receiver = new SmtpBodyReceiver(
    { ...options, rejectBareLineEndings: !tolerant },
    pino({ level: 'silent' }),
  );
  const input = new InputBuffer();
  const out: Outcome = { commands: [], replies: [], message: null };
  let mode: 'command' | 'bdat' = 'command';
  let offset = 0;
  let i = 0;
  while (offset < stream.length) {
    const size = sizes.length ? sizes[i++ % sizes.length] : stream.length;
    input.push(stream.subarray(offset, offset + size));
    offset += size;
    for (;;) {
      if (mode === 'bdat') {
        const step: BodyStep = receiver.readBdat(input, env);
        if (step === 'need-more') break;
        if (step === 'reading') continue;
        mode = 'command';
        if (step.done === 'message') {
          out.message = step.data;
          out.replies.push('250 queued');
        } else out.replies.push(`${step.reply.code}`);
        continue;
      }
      const line = input.readLine(2048);
      if (line === null) break;
      if (line === 'too-long') throw new Error('unexpected long line');
      const { verb, argument } = parseCommandLine(line.toString('latin1'));
      out.commands.push(verb);
      if (verb !== 'BDAT') continue;
      if (receiver.startBdat(argument, env) === 'desync') return out;
      mode = 'bdat';
    }
  }
  return out;
}

const content = fc
  .array(
    fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      '.',
      '\r\n.\r\n',
      '\n.\r\n',
      '\0',
      'a',
      'MAIL FROM:<x@evil.test>\r\n',
    ),
    { maxLength: 30 },
  )
  .map((parts) => Buffer.from('Subject: t\r\n\r\n' + parts.join(''), 'latin1'));
/** Where the message is cut into chunks (fractions of its length). */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 });
const packets = fc.array(fc.integer({ min: 1, max: 19 }), { maxLength: 6 });

function chunked(message: Buffer, fractions: number[], lastArg = ' LAST'): Buffer {
  const points = [...new Set(fractions.map((f) => Math.floor(f * message.length)))].sort((a, b) => a - b);
  const bounds = [0, ...points.filter((p) => p > 0 && p < message.length), message.length];
  const parts: Buffer[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const chunk = message.subarray(bounds[k], bounds[k + 1]);
    const last = k + 2 === bounds.length ? lastArg : '';
    parts.push(Buffer.from(`BDAT ${chunk.length}${last}\r\n`), chunk);
  }
  return Buffer.concat([...parts, Buffer.from('NOOP\r\n')]);
}

describe('BDAT receiver properties', () => {
  it('reads only the BDAT lines as commands, and accepts exactly what DATA would', () => {
    fc.assert(
      fc.property(content, cuts, packets, (message, fractions, sizes) => {
        const stream = chunked(message, fractions);
        const chunks = stream.toString('latin1').match(/BDAT \d+/g)!.length;
        const result = drive(stream, sizes, envelope('8BITMIME'));
        expect(result.commands).toEqual([...Array(chunks).fill('BDAT'), 'NOOP']);
        const clean = modelStrictMessage(message, 1000) !== null || isCleanUnterminated(message);
        if (clean) expect(result.message?.toString('latin1')).toBe(message.toString('latin1'));
        else {
          expect(result.message).toBeNull();
          expect(result.replies.at(-1)).toBe('550');
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('tolerant: stores bare CR and LF as CRLF, refuses NUL', () => {
    fc.assert(
      fc.property(content, cuts, packets, (message, fractions, sizes) => {
        const result = drive(chunked(message, fractions), sizes, envelope('8BITMIME'), true);
        if (message.includes(0)) expect(result.message).toBeNull();
        else {
          const expected = message.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
          expect(result.message?.toString('latin1')).toBe(expected);
        }
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('takes a BINARYMIME body as it is', () => {
    fc.assert(
      fc.property(content, cuts, packets, (message, fractions, sizes) => {
        const result = drive(chunked(message, fractions), sizes, envelope('BINARYMIME'));
        expect(result.message?.toString('latin1')).toBe(message.toString('latin1'));
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('swallows the chunk of a refused BDAT (no transaction, bad argument)', () => {
    fc.assert(
      fc.property(content, cuts, packets, fc.boolean(), (message, fractions, sizes, noEnvelope) => {
        const stream = chunked(message, fractions, noEnvelope ? ' LAST' : ' LAZT');
        const chunks = stream.toString('latin1').match(/BDAT \d+/g)!.length;
        const result = drive(stream, sizes, noEnvelope ? null : envelope('8BITMIME'));
        expect(result.commands).toEqual([...Array(chunks).fill('BDAT'), 'NOOP']);
        expect(result.message).toBeNull();
        expect(result.replies.at(-1)).toBe(noEnvelope ? '503' : '501');
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});

/** A BDAT message need not end in CRLF: clean if it is clean once a CRLF is added. */
function isCleanUnterminated(message: Buffer): boolean {
  if (message.at(-1) === 0x0d) return false;
  return modelStrictMessage(Buffer.concat([message, Buffer.from('\r\n')]), 1000) !== null;
}
