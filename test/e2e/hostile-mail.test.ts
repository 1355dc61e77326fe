/**
 * Hostile clients against a real node process (`nimbus start` as a child, raw sockets), issue #11.
 * SMTP and submission get every word of CR, LF, "." and NUL (up to three long) in front of a
 * forged transaction, plus the BDAT variants; IMAP gets mailbox names that are invalid UTF-8,
 * malformed modified UTF-7 or hold control characters; POP3 and all three get junk. After every
 * case the process must still be alive and a normal client (nodemailer, imapflow, a plain POP3
 * dialogue) must still be served. At the end the victim's mailbox is read over IMAP: no forged
 * message was delivered and no invalid mailbox exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { mailboxNameProblem } from '../../core/mail/mailbox-name';
import { ANY_PORTS_ENV, NodeProcess, nimbus } from '../helpers/node-process';
import { Dialogue } from '../helpers/smtp-dialogue';
import { modelDataEnd } from '../unit/fuzz/smtp-model';

const USER = 'victim@example.test';
const PASS = 'victim-secret-pw';

let dataDir: string;
let node: NodeProcess;
let ports: Record<string, number>;
/** Subjects of the messages that got a 250 and must be in the mailbox. */
const accepted: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-hostile-'));
  expect(nimbus(['--data', dataDir, 'domain', 'add', 'example.test']).status).toBe(0);
  expect(nimbus(['--data', dataDir, 'user', 'add', USER, '--password', PASS]).status).toBe(0);
  node = new NodeProcess(
    dataDir,
    [
      ...['--smtp-port', '0', '--submission-port', '0', '--imap-port', '0'],
      ...['--pop3-port', '0', '--http-port', '0', '--hostname', 'mx.hostile.test'],
    ],
    {
      // Plain-text AUTH on loopback, so that raw sockets can log in without a TLS layer.
      NIMBUS_ALLOW_INSECURE_AUTH: 'true',
      NIMBUS_IMAP_ALLOW_INSECURE_AUTH: 'true',
      NIMBUS_POP3_ALLOW_INSECURE_AUTH: 'true',
      // Submission takes AUTH only over TLS: its implicit-TLS port is the one we use. The other
      // implicit-TLS ports on any free port too, so that parallel suites don't collide.
      ...ANY_PORTS_ENV,
    },
  );
  ports = await node.start();
}, 120_000);

afterAll(async () => {
  if (node) expect(await node.kill('SIGTERM')).toBe(0);
  rmSync(dataDir, { recursive: true, force: true });
});

function expectAlive(): void {
  expect(node.child!.exitCode).toBeNull();
  expect(node.child!.signalCode).toBeNull();
}

/** A normal client is still served on every port. */
async function expectServed(): Promise<void> {
  expectAlive();
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, ignoreTLS: true });
  expect(await mx.verify()).toBe(true);
  const imap = imapClient();
  await imap.connect();
  await imap.logout();
  const pop = await Dialogue.connect(ports.pop3);
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.send('QUIT\r\n');
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.close();
}

function imapClient(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: ports.imap,
    secure: false,
    doSTARTTLS: false,
    auth: { user: USER, pass: PASS },
    logger: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

// SMTP and submission ------------------------------------------------------------------------

const forged = (n: number) =>
  `MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<${USER}>\r\nDATA\r\nSubject: forged ${n}\r\nFrom: ceo@bank.test\r\n\r\nwire the money\r\n.\r\n`;

/** Every word of length 1..3 over CR, LF, "." and NUL (84 of them). */
const WORDS: string[] = [];
for (const a of ['\r', '\n', '.', '\0']) {
  WORDS.push(a);
  for (const b of ['\r', '\n', '.', '\0']) {
    WORDS.push(a + b);
    for (const c of ['\r', '\n', '.', '\0']) WORDS.push(a + b + c);
  }
}

async function openSmtp(service: 'smtp' | 'submission'): Promise<Dialogue> {
  const d =
    service === 'smtp' ? await Dialogue.connect(ports.smtp) : await Dialogue.connectTls(ports.submissions);
  expect(await d.reply()).toMatch(/^220 /);
  expect(await d.command('EHLO hostile.test')).toMatch(/^250/);
  if (service === 'submission') {
    const token = Buffer.from(`\0${USER}\0${PASS}`).toString('base64');
    expect(await d.command(`AUTH PLAIN ${token}`)).toMatch(/^235/);
  }
  return d;
}

/** One DATA case: returns the reply to the body, after checking the session is still in step. */
async function smuggle(service: 'smtp' | 'submission', subject: string, body: string): Promise<string> {
  const d = await openSmtp(service);
  expect(await d.command(`MAIL FROM:<${service === 'smtp' ? 'sender@remote.test' : USER}>`)).toMatch(/^250/);
  expect(await d.command(`RCPT TO:<${USER}>`)).toMatch(/^250/);
  expect(await d.command('DATA')).toMatch(/^354/);
  d.send(Buffer.from(`Subject: ${subject}\r\nFrom: <${USER}>\r\n\r\n${body}`, 'latin1'));
  const answer = await d.reply();
  // Exactly one reply: the next one answers our NOOP, not a smuggled command.
  expect(await d.command('NOOP')).toMatch(/^250 2\.0\.0 Ok/);
  expect(await d.command('QUIT')).toMatch(/^221/);
  d.close();
  return answer;
}

describe.each(['smtp', 'submission'] as const)('%s: DATA terminator variants', (service) => {
  it('never runs the bytes after a false terminator as commands', async () => {
    let n = 0;
    for (const word of WORDS) {
      const body = `hello${word}\r\n${forged(n)}`;
      // A word that completes a real CRLF.CRLF is legitimate pipelining, not smuggling.
      const stream = Buffer.from(`\r\n${body}`, 'latin1');
      if (modelDataEnd(stream) !== stream.length) continue;
      const subject = `${service} case ${n++}`;
      const answer = await smuggle(service, subject, body);
      const clean = !/\0|\r(?!\n)|(?<!\r)\n/.test(`hello${word}\r\n`);
      if (clean) {
        expect(answer).toMatch(/^250 2\.0\.0 Ok: queued/);
        accepted.push(subject);
      } else expect(answer).toMatch(/^550 5\.6\.0 /);
      await expectServed();
    }
    expect(n).toBe(WORDS.length - 1); // only "\r\n." ends the data for real
  });
});

describe('smtp: BDAT variants', () => {
  const withEnvelope = async () => {
    const d = (await openSmtp('smtp')) as Dialogue;
    expect(await d.command('MAIL FROM:<sender@remote.test>')).toMatch(/^250/);
    expect(await d.command(`RCPT TO:<${USER}>`)).toMatch(/^250/);
    return d;
  };

  it.each([
    [
      'bare LF then a forged transaction',
      (n: number) => `Subject: bdat ${n}\r\n\r\nhello\n.\r\n${forged(n)}`,
      '550',
    ],
    ['NUL', (n: number) => `Subject: bdat ${n}\r\n\r\na\0b\r\n`, '550'],
    ['bare CR', (n: number) => `Subject: bdat ${n}\r\n\r\na\r.\r\n`, '550'],
  ])('refuses a chunked message with %s', async (_name, make, code) => {
    const d = await withEnvelope();
    const chunk = make(accepted.length);
    d.send(`BDAT ${Buffer.byteLength(chunk)} LAST\r\n${chunk}`);
    expect((await d.reply()).slice(0, 3)).toBe(code);
    expect(await d.command('NOOP')).toMatch(/^250 2\.0\.0 Ok/);
    d.close();
    await expectServed();
  });

  it('swallows the chunk of a BDAT with a bad argument, and drops a session that sends no size', async () => {
    let d = await withEnvelope();
    const chunk = `NOOP\r\n${forged(900)}`;
    d.send(`BDAT ${Buffer.byteLength(chunk)} LAZT\r\n${chunk}`);
    expect(await d.reply()).toMatch(/^501 /);
    expect(await d.command('NOOP')).toMatch(/^250 2\.0\.0 Ok/);
    d.close();
    d = await withEnvelope();
    d.send(`BDAT LAST\r\n${forged(901)}`);
    expect(await d.reply()).toMatch(/^501 /);
    expect(await d.reply()).toMatch(/^421 /);
    await d.waitClosed();
    // A size beyond any message we take (12 digits) cannot be counted either.
    d = await withEnvelope();
    d.send(`BDAT 99999999999999999999 LAST\r\n${forged(902)}`);
    expect(await d.reply()).toMatch(/^501 /);
    expect(await d.reply()).toMatch(/^421 /);
    await d.waitClosed();
    await expectServed();
  });

  it('answers junk and invalid UTF-8 commands with errors', async () => {
    for (const junk of [
      'MAIL FROM:<\xed\xa0\x80@remote.test>',
      'EHLO \xc0\xaf.test',
      'RCPT TO:<victim\0@example.test>',
      '\xff\xfe\xfd',
      'EHLO \r\r\r',
      'DATA\rMAIL FROM:<x@y>',
      'x'.repeat(5000),
    ]) {
      const d = (await openSmtp('smtp')) as Dialogue;
      d.send(Buffer.from(`${junk}\r\n`, 'latin1'));
      expect(await d.reply()).toMatch(/^5\d\d /);
      expect(await d.command('NOOP')).toMatch(/^250/);
      d.close();
      await expectServed();
    }
  });
});

// IMAP ---------------------------------------------------------------------------------------

class ImapRaw {
  private constructor(private readonly d: Dialogue) {}
  private n = 0;

  static async login(): Promise<ImapRaw> {
    const d = await Dialogue.connect(ports.imap);
    expect(await d.line()).toMatch(/^\* OK/);
    const raw = new ImapRaw(d);
    expect(await raw.run(`LOGIN "${USER}" "${PASS}"`)).toMatch(/^\S+ OK/);
    return raw;
  }

  /** Sends one command (bytes as latin1) and returns the tagged completion. */
  async run(command: string): Promise<string> {
    const tag = `h${++this.n}`;
    const parts = command.split(/(?<=\{\d+\}\r\n)/);
    for (const [i, part] of parts.entries()) {
      this.d.send(Buffer.from(i === 0 ? `${tag} ${part}` : part, 'latin1'));
      if (i < parts.length - 1) {
        const line = await this.d.line();
        if (!line.startsWith('+')) return line; // the literal was refused
      }
    }
    this.d.send('\r\n');
    for (;;) {
      const line = await this.d.line();
      if (line.startsWith(`${tag} `)) return line;
    }
  }

  close(): void {
    this.d.close();
  }
}

describe('imap: mailbox names', () => {
  const INVALID: [string, string][] = [
    ['encoded surrogate in a literal (issue #11)', 'CREATE {3}\r\n\xed\xa0\x80'],
    ['encoded surrogate quoted', 'CREATE "\xed\xa0\x80"'],
    ['overlong UTF-8', 'CREATE "\xc0\xaf"'],
    ['Latin-1', 'CREATE "Caf\xe9"'],
    ['shifted ASCII', 'CREATE "&AGE-"'],
    ['unterminated shift', 'CREATE "&AOk"'],
    ['lone surrogate in mUTF-7', 'CREATE "&2AA-"'],
    ['adjacent shifted runs', 'CREATE "&AOk-&AOk-"'],
    ['control character in a literal', 'CREATE {3}\r\na\x01b'],
    ['shifted control character', 'CREATE "&AAE-"'],
    ['C1 control in UTF-8', 'CREATE "a\xc2\x85b"'],
    ['rename to invalid UTF-8', 'RENAME "Good" "\xed\xa0\x80"'],
    ['rename to a control character', 'RENAME "Good" {3}\r\nx\x1by'],
    ['select invalid UTF-8', 'SELECT "\xed\xa0\x80"'],
    ['append to invalid UTF-8', 'APPEND "\xff" {3}\r\nx\r\n'],
  ];

  beforeAll(async () => {
    const c = await ImapRaw.login();
    expect(await c.run('CREATE "Good"')).toMatch(/^\S+ OK/);
    c.close();
  });

  it.each(INVALID)('refuses %s with BAD', async (_name, command) => {
    const c = await ImapRaw.login();
    expect(await c.run(command)).toMatch(/^\S+ BAD /);
    expect(await c.run('NOOP')).toMatch(/^\S+ OK/);
    c.close();
    await expectServed();
  });

  it('refuses invalid names with UTF8=ACCEPT enabled too, and takes valid UTF-8', async () => {
    const c = await ImapRaw.login();
    expect(await c.run('ENABLE UTF8=ACCEPT')).toMatch(/^\S+ OK/);
    for (const name of ['"\xed\xa0\x80"', '"a\xc2\x85b"', '"a\xe2\x80\xa8b"', '{3}\r\na\x7fb']) {
      expect(await c.run(`CREATE ${name}`)).toMatch(/^\S+ BAD /);
    }
    expect(await c.run('CREATE "\xc3\xa9t\xc3\xa9"')).toMatch(/^\S+ OK/);
    c.close();
    await expectServed();
  });

  it('survives junk commands', async () => {
    for (const junk of [
      '\0\0\0',
      'a CREATE {99999999999}',
      '* * *',
      'a FETCH 1:* (BODY[',
      '((((((((((',
      '\xff\xfe',
    ]) {
      const d = await Dialogue.connect(ports.imap);
      expect(await d.line()).toMatch(/^\* OK/);
      d.send(Buffer.from(`${junk}\r\na1 NOOP\r\n`, 'latin1'));
      let line = await d.line();
      while (!line.startsWith('a1 ')) line = await d.line();
      expect(line).toMatch(/^a1 OK/);
      d.close();
      await expectServed();
    }
  });

  it('only valid names exist afterwards', async () => {
    const imap = imapClient();
    await imap.connect();
    const names = (await imap.list()).map((m) => m.path);
    await imap.logout();
    expect(names).toEqual(expect.arrayContaining(['INBOX', 'Good', 'été']));
    for (const name of names) {
      expect(mailboxNameProblem(name)).toBeNull();
      expect(name).not.toContain('\ufffd');
    }
  });
});

// POP3 ---------------------------------------------------------------------------------------

describe('pop3: junk', () => {
  it.each([
    ['NUL', ['US\0ER x']],
    ['invalid UTF-8 user', ['USER \xed\xa0\x80']],
    // USER does not tell whether the account exists (RFC 1939 §13); the PASS fails.
    ['unknown user', ['USER nobody@example.test', 'PASS x']],
    ['bare CR inside a line', ['NOOP\rQUIT']],
    ['over-long line', ['x'.repeat(5000)]],
    ['huge message number', ['RETR 99999999999999999999']],
    ['PASS without USER', ['PASS x']],
  ])('answers %s with -ERR and goes on', async (_name, lines) => {
    const d = await Dialogue.connect(ports.pop3);
    expect(await d.line()).toMatch(/^\+OK/);
    for (const junk of lines) d.send(Buffer.from(`${junk}\r\n`, 'latin1'));
    if (lines.length > 1) expect(await d.line()).toMatch(/^\+OK/);
    expect(await d.line()).toMatch(/^-ERR/);
    d.send(`USER ${USER}\r\n`);
    expect(await d.line()).toMatch(/^\+OK/);
    d.send(`PASS ${PASS}\r\n`);
    expect(await d.line()).toMatch(/^\+OK/);
    d.send('QUIT\r\n');
    expect(await d.line()).toMatch(/^\+OK/);
    d.close();
    await expectServed();
  });
});

// The mailbox, as a real client sees it ------------------------------------------------------

describe('after all of that', () => {
  it('the victim has every accepted message and not one forged message', async () => {
    const imap = imapClient();
    await imap.connect();
    try {
      const deadline = Date.now() + 60_000;
      let subjects: string[] = [];
      let senders: string[] = [];
      for (;;) {
        const lock = await imap.getMailboxLock('INBOX');
        try {
          subjects = [];
          senders = [];
          if ((imap.mailbox as { exists: number }).exists > 0) {
            for await (const m of imap.fetch('1:*', { envelope: true })) {
              subjects.push(m.envelope?.subject ?? '');
              senders.push(...(m.envelope?.from ?? []).map((a) => a.address ?? ''));
            }
          }
        } finally {
          lock.release();
        }
        if (subjects.length >= accepted.length || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect([...subjects].sort()).toEqual([...accepted].sort());
      expect(subjects.filter((s) => /forged/.test(s))).toEqual([]);
      expect(senders).not.toContain('ceo@bank.test');
    } finally {
      await imap.logout();
    }
    expectAlive();
  });
});
