/**
 * The IMAP mixed workload of `bench -- imap` and `bench -- versus`: each client owns one account
 * and keeps a model of its INBOX (UIDs, flags, which message each UID holds), and checks every
 * answer against it. A session is LOGIN, LIST, STATUS, SELECT, then rounds of APPEND, UID FETCH
 * 1:* (flags, size, subject), FETCH BODY.PEEK[] of the newest message, STORE \Seen, STORE \Deleted
 * on the oldest and EXPUNGE, then LOGOUT. A wrong, NO/BAD or missing answer is an error (the
 * session ends and the next one re-reads the mailbox); only correct answers count as operations.
 */
import { ImapLoadClient, literal, type ImapLine, type ImapReply } from './imap-client';

export interface MixedOptions {
  port: number;
  clients: number;
  seconds: number;
  /** Client i logs in as account(i), password `password`. */
  account: (i: number) => string;
  password: string;
  /** APPEND … EXPUNGE rounds per session (default 5). */
  rounds?: number;
}

export interface MixedResult {
  ops: number;
  seconds: number;
  errors: string[];
  /** Milliseconds per command name. */
  latencies: Map<string, number[]>;
}

const COMMAND_TIMEOUT_MS = 30_000;

/** Message n of an account: the body says which, so a FETCH can be checked byte for byte. */
export function mixedMessage(account: string, n: number): string {
  return (
    `From: Sender ${n} <s${n}@example.org>\r\nTo: ${account}\r\nSubject: Benchmark message ${n}\r\n` +
    `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <b${n}.${account}>\r\nContent-Type: text/plain\r\n\r\n` +
    `Message ${n} for ${account}. ${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20)}\r\n`
  );
}

class WrongAnswer extends Error {}

/** What the client knows about its INBOX. */
interface Model {
  /** null until read from the server (first session, and after an error). */
  uidValidity: string | null;
  uidNext: number;
  /** UIDs in the mailbox, ascending (= sequence order), with their flags and message number. */
  uids: number[];
  flags: Map<number, Set<string>>;
  number: Map<number, number>;
  nextNumber: number;
}

export async function runMixed(options: MixedOptions): Promise<MixedResult> {
  const result: MixedResult = { ops: 0, seconds: 0, errors: [], latencies: new Map() };
  const end = Date.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async (_, i) => {
      const account = options.account(i);
      const model: Model = {
        uidValidity: null,
        uidNext: 0,
        uids: [],
        flags: new Map(),
        number: new Map(),
        nextNumber: 0,
      };
      while (Date.now() < end) {
        const session = new Session(options, account, model, result);
        try {
          await session.run(end);
        } catch (error) {
          result.errors.push(`${account}: ${(error as Error).message}`);
          model.uidValidity = null; // re-read the mailbox next time
        } finally {
          session.close();
        }
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

class Session {
  private client: ImapLoadClient | null = null;
  /** UIDs in this session's view, in sequence order. */
  private view: number[] = [];

  constructor(
    private readonly options: MixedOptions,
    private readonly account: string,
    private readonly model: Model,
    private readonly result: MixedResult,
  ) {}

  close(): void {
    this.client?.close();
  }

  async run(end: number): Promise<void> {
    const { client, greeting } = await ImapLoadClient.connect(this.options.port);
    this.client = client;
    expect(greeting.startsWith('* OK'), `greeting: ${greeting}`);
    await this.op('LOGIN', `LOGIN "${this.account}" "${this.options.password}"`);
    const list = await this.op('LIST', 'LIST "" "*"');
    expect(
      list.untagged.some((l) => /^\* LIST \([^)]*\) (NIL|"[^"]*") "?INBOX"?$/i.test(l.text)),
      'LIST "" "*" without INBOX',
    );
    const known = this.model.uidValidity !== null;
    const status = await this.op('STATUS', 'STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)');
    const line = status.untagged.find((l) => l.text.startsWith('* STATUS '))?.text ?? '';
    const field = (name: string): string | undefined => new RegExp(`${name} (\\d+)`).exec(line)?.[1];
    if (known) {
      expect(field('MESSAGES') === String(this.model.uids.length), `STATUS MESSAGES: ${line}`);
      expect(Number(field('UIDNEXT')) >= this.model.uidNext, `STATUS UIDNEXT: ${line}`);
      expect(field('UIDVALIDITY') === this.model.uidValidity, `STATUS UIDVALIDITY: ${line}`);
    }
    const selected = await this.op('SELECT', 'SELECT INBOX');
    const exists = selected.untagged.find((l) => / EXISTS$/.test(l.text))?.text;
    const validity = selected.untagged.map((l) => /\[UIDVALIDITY (\d+)\]/.exec(l.text)?.[1]).find(Boolean);
    expect(exists !== undefined && validity !== undefined, 'SELECT without EXISTS or UIDVALIDITY');
    if (!known) await this.resync(validity!, Number(field('UIDNEXT')));
    expect(validity === this.model.uidValidity, `UIDVALIDITY changed: ${validity}`);
    expect(
      exists === `* ${this.model.uids.length} EXISTS`,
      `SELECT: ${exists}, expected ${this.model.uids.length}`,
    );
    this.view = [...this.model.uids];
    const rounds = this.options.rounds ?? 5;
    for (let k = 0; k < rounds && Date.now() < end; k++) await this.round();
    const bye = await this.op('LOGOUT', 'LOGOUT');
    expect(
      bye.untagged.some((l) => l.text.startsWith('* BYE')),
      'LOGOUT without * BYE',
    );
  }

  /** After an error (or at first): the server's mailbox becomes the model. */
  private async resync(validity: string, uidNext: number): Promise<void> {
    const reply = await this.command('UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    expect(reply.status === 'OK', `resync: ${reply.text}`);
    const model = this.model;
    model.uids = [];
    model.flags.clear();
    model.number.clear();
    for (const fetch of reply.untagged.filter((l) => / FETCH \(/.test(l.text))) {
      const uid = Number(/UID (\d+)/.exec(fetch.text)?.[1]);
      const n = Number(/Benchmark message (\d+)/.exec(fetch.literals[0] ?? '')?.[1] ?? -1);
      model.uids.push(uid);
      model.flags.set(uid, parseFlags(fetch.text));
      model.number.set(uid, n);
      model.nextNumber = Math.max(model.nextNumber, n + 1);
    }
    model.uids.sort((a, b) => a - b);
    model.uidValidity = validity;
    model.uidNext = uidNext;
  }

  private async round(): Promise<void> {
    const model = this.model;
    // APPEND: a new UID at least UIDNEXT, announced to this session as one more EXISTS.
    const n = model.nextNumber++;
    const text = mixedMessage(this.account, n);
    const appended = await this.op('APPEND', `APPEND INBOX ${literal(text)}`);
    const appendUid = /\[APPENDUID (\d+) (\d+)\]/.exec(appended.text);
    expect(appendUid?.[1] === model.uidValidity, `APPEND: ${appended.text}`);
    const uid = Number(appendUid![2]);
    expect(
      uid >= model.uidNext && uid > (model.uids.at(-1) ?? 0),
      `APPENDUID ${uid} below UIDNEXT ${model.uidNext}`,
    );
    model.uids.push(uid);
    model.flags.set(uid, new Set());
    model.number.set(uid, n);
    model.uidNext = uid + 1;
    this.track(appended.untagged);

    // UID FETCH 1:*: every message of the view, each with its flags, size and subject.
    const listed = await this.op(
      'FETCH',
      'UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])',
    );
    const fetches = this.track(listed.untagged);
    expect(
      this.view.length === model.uids.length,
      `view has ${this.view.length} of ${model.uids.length} messages after FETCH`,
    );
    expect(
      fetches.length === this.view.length,
      `UID FETCH 1:* answered ${fetches.length} of ${this.view.length}`,
    );
    for (const fetch of fetches) {
      const seq = Number(/^\* (\d+) FETCH/.exec(fetch.text)?.[1]);
      const uidOf = this.view[seq - 1];
      const number = model.number.get(uidOf)!;
      expect(
        new RegExp(`UID ${uidOf}\\b`).test(fetch.text),
        `FETCH ${seq}: UID, expected ${uidOf}: ${fetch.text}`,
      );
      expect(sameFlags(parseFlags(fetch.text), model.flags.get(uidOf)!), `FETCH ${seq} FLAGS: ${fetch.text}`);
      const size = Buffer.byteLength(mixedMessage(this.account, number), 'latin1');
      expect(
        fetch.text.includes(`RFC822.SIZE ${size}`),
        `FETCH ${seq}: RFC822.SIZE, expected ${size}: ${fetch.text}`,
      );
      expect(
        (fetch.literals[0] ?? '').includes(`Subject: Benchmark message ${number}\r\n`),
        `FETCH ${seq}: subject, expected message ${number}`,
      );
    }

    // FETCH BODY.PEEK[] of the newest: the bytes appended.
    const last = this.view.length;
    const body = await this.op('FETCH', `FETCH ${last} (BODY.PEEK[])`);
    const bodyFetch = this.track(body.untagged);
    expect(bodyFetch.length === 1 && bodyFetch[0].literals[0] === text, `FETCH ${last} BODY.PEEK[] differs`);

    // STORE \Seen on the newest (not silent): the new flags come back.
    const seen = await this.op('STORE', `STORE ${last} +FLAGS (\\Seen)`);
    model.flags.get(this.view[last - 1])!.add('\\Seen');
    const stored = this.track(seen.untagged);
    expect(
      stored.length === 1 && sameFlags(parseFlags(stored[0].text), model.flags.get(this.view[last - 1])!),
      `STORE +FLAGS: ${stored.map((l) => l.text).join(' | ') || 'no FETCH'}`,
    );

    // STORE \Deleted on the oldest, EXPUNGE: exactly that one goes.
    const oldest = this.view[0];
    await this.op('STORE', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    model.flags.get(oldest)!.add('\\Deleted');
    const expunged = await this.op('EXPUNGE', 'EXPUNGE');
    const gone = expunged.untagged.filter((l) => / EXPUNGE$/.test(l.text)).map((l) => l.text);
    expect(
      gone.length === 1 && gone[0] === '* 1 EXPUNGE',
      `EXPUNGE: ${gone.join(' | ') || 'nothing expunged'}`,
    );
    this.track(expunged.untagged);
    model.uids = model.uids.filter((u) => u !== oldest);
    model.flags.delete(oldest);
    model.number.delete(oldest);
  }

  /** Applies EXISTS/EXPUNGE to the view; returns the FETCH lines. */
  private track(lines: ImapLine[]): ImapLine[] {
    const fetches: ImapLine[] = [];
    for (const line of lines) {
      const exists = /^\* (\d+) EXISTS$/.exec(line.text);
      if (exists) {
        const count = Number(exists[1]);
        const newer = this.model.uids.filter((u) => u > (this.view.at(-1) ?? 0));
        expect(
          count >= this.view.length && count - this.view.length <= newer.length,
          `unexpected ${line.text}`,
        );
        this.view.push(...newer.slice(0, count - this.view.length));
        continue;
      }
      const expunge = /^\* (\d+) EXPUNGE$/.exec(line.text);
      if (expunge) {
        const seq = Number(expunge[1]);
        const uid = this.view[seq - 1];
        expect(uid !== undefined && !!this.model.flags.get(uid)?.has('\\Deleted'), `unexpected ${line.text}`);
        this.view.splice(seq - 1, 1);
        continue;
      }
      if (/^\* \d+ FETCH \(/.test(line.text)) fetches.push(line);
    }
    return fetches;
  }

  /** A timed command that must answer OK. */
  private async op(name: string, text: string): Promise<ImapReply> {
    const t0 = performance.now();
    const reply = await this.command(text);
    const ms = performance.now() - t0;
    expect(reply.status === 'OK', `${text.split('\r\n')[0].slice(0, 60)} -> ${reply.status} ${reply.text}`);
    let samples = this.result.latencies.get(name);
    if (!samples) this.result.latencies.set(name, (samples = []));
    samples.push(ms);
    this.result.ops++;
    return reply;
  }

  private async command(text: string): Promise<ImapReply> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new WrongAnswer(`no answer in ${COMMAND_TIMEOUT_MS} ms: ${text.slice(0, 40)}`)),
        COMMAND_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([this.client!.command(text), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new WrongAnswer(message);
}

/** The FLAGS of a FETCH line, without \Recent (servers differ on who sees it). */
function parseFlags(text: string): Set<string> {
  const flags = /FLAGS \(([^)]*)\)/.exec(text)?.[1] ?? '';
  return new Set(flags.split(' ').filter((f) => f && f.toLowerCase() !== '\\recent'));
}

function sameFlags(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((f) => b.has(f));
}
