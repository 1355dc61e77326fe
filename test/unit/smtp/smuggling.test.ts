/**
 * Regressions for issue #11 (SMTP smuggling) against our SMTP server over real sockets. The
 * policy is an in-memory recorder standing in for the spool (the store is not what is under
 * test here; test/e2e/hostile-mail.test.ts checks the real mailboxes of a real node process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AuthThrottle } from '../../../core/auth/auth-throttle';
import { loadTlsContext } from '../../../containers/net/tls-context';
import { SmtpServer } from '../../../containers/smtp/smtp-server';
import { DEFAULT_SMTP_LIMITS, type Envelope, type SmtpPolicy } from '../../../containers/smtp/types';
import { Dialogue } from '../../helpers/smtp-dialogue';

interface Accepted {
  envelope: Envelope;
  data: Buffer;
}

const servers: { server: SmtpServer; dir: string }[] = [];

type Server = Awaited<ReturnType<typeof createServer>>;
const byMode = new Map<boolean, Promise<Server>>();

/** One server per mode for the whole file; each test starts with no message recorded. */
async function startServer(rejectBareLineEndings: boolean): Promise<Server> {
  if (!byMode.has(rejectBareLineEndings))
    byMode.set(rejectBareLineEndings, createServer(rejectBareLineEndings));
  const server = await byMode.get(rejectBareLineEndings)!;
  server.accepted.length = 0;
  return server;
}

async function createServer(rejectBareLineEndings: boolean) {
  const accepted: Accepted[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-smuggle-'));
  const tls = await loadTlsContext(dir, 'mx.test');
  const policy: SmtpPolicy = {
    checkSender: async () => null,
    checkRecipient: async () => null,
    authenticate: async () => false,
    accept: async (_session, envelope, data) => {
      accepted.push({ envelope, data });
    },
  };
  const server = new SmtpServer(
    {
      name: 'mx',
      hostname: 'mx.test',
      limits: { ...DEFAULT_SMTP_LIMITS, maxDataLineLength: 1000, maxErrors: 100 },
      pregreetMs: 0,
      trustedNetworks: [],
      authEnabled: false,
      authRequired: false,
      allowInsecureAuth: false,
      rejectBareLineEndings,
      implicitTls: false,
    },
    policy,
    tls.context,
    new AuthThrottle({ maxFailures: 100, windowSeconds: 60, lockoutSeconds: 1 }),
    pino({ level: 'silent' }),
  );
  const port = await server.listen(0, '127.0.0.1');
  servers.push({ server, dir });
  const open = async (): Promise<Dialogue> => {
    const d = await Dialogue.connect(port);
    expect(await d.reply()).toMatch(/^220 /);
    expect(await d.command('EHLO client.test')).toMatch(/^250/);
    return d;
  };
  return { accepted, open };
}

afterAll(async () => {
  for (const { server, dir } of servers) {
    await server.close(100);
    rmSync(dir, { recursive: true, force: true });
  }
});

const FORGED =
  'MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n.\r\n';

/** The session answers the next command normally: nothing before it is still waiting to be read. */
async function expectInSync(d: Dialogue): Promise<void> {
  expect(await d.command('NOOP')).toBe('250 2.0.0 Ok');
}

describe('DATA: issue #11 smuggling sequence', () => {
  it('strict: refuses with 550 5.6.0 once, and the bytes after \\n.\\r\\n are data, not commands', async () => {
    const { accepted, open } = await startServer(true);
    const d = await open();
    await d.command('MAIL FROM:<a@remote.test>');
    await d.command('RCPT TO:<victim@example.test>');
    expect(await d.command('DATA')).toMatch(/^354/);
    d.send(`Subject: first\r\n\r\nhello\n.\r\n${FORGED}`);
    expect(await d.reply()).toMatch(/^550 5\.6\.0 /);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });

  it('tolerant: one message whose body holds the would-be commands', async () => {
    const { accepted, open } = await startServer(false);
    const d = await open();
    await d.command('MAIL FROM:<a@remote.test>');
    await d.command('RCPT TO:<victim@example.test>');
    expect(await d.command('DATA')).toMatch(/^354/);
    d.send(`Subject: first\r\n\r\nhello\n.\r\n${FORGED}`);
    expect(await d.reply()).toMatch(/^250 2\.0\.0 Ok: queued/);
    await expectInSync(d);
    expect(accepted).toHaveLength(1);
    expect(accepted[0].envelope.mailFrom).toBe('a@remote.test');
    expect(accepted[0].data.toString()).toContain('hello\r\n\r\nMAIL FROM:<ceo@bank.test>\r\n');
    d.close();
  });

  it.each([
    ['\\r.\\r\\n', 'hello\r.\r\n'],
    ['\\n.\\n', 'hello\n.\n'],
    ['\\r\\n.\\n', 'hello\r\n.\n'],
    ['\\r\\n.\\r', 'hello\r\n.\r'],
    ['\\n.\\r\\n after a NUL', 'hel\0lo\n.\r\n'],
    ['\\r\\n.\\0\\r\\n', 'hello\r\n.\0\r\n'],
  ])('strict: %s does not end the data', async (_name, body) => {
    const { accepted, open } = await startServer(true);
    const d = await open();
    await d.command('MAIL FROM:<a@remote.test>');
    await d.command('RCPT TO:<victim@example.test>');
    expect(await d.command('DATA')).toMatch(/^354/);
    d.send(`Subject: first\r\n\r\n${body}${FORGED}`);
    expect(await d.reply()).toMatch(/^550 5\.6\.0 /);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });

  it('an endless line is refused as too long, and the session stays in step', async () => {
    const { accepted, open } = await startServer(true);
    const d = await open();
    await d.command('MAIL FROM:<a@remote.test>');
    await d.command('RCPT TO:<victim@example.test>');
    expect(await d.command('DATA')).toMatch(/^354/);
    d.send(`Subject: long\r\n\r\n${'x'.repeat(300_000)}\r\n.\r\n`);
    expect(await d.reply()).toMatch(/^550 5\.6\.0 .*too long/);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });
});

describe('command lines', () => {
  it.each([
    ['an encoded surrogate', 'MAIL FROM:<\xed\xa0\x80@remote.test>'],
    ['an overlong form', 'EHLO \xc0\xaf.test'],
    ['a Latin-1 byte', 'RCPT TO:<caf\xe9@example.test>'],
  ])('refuse %s with 500 5.5.2 instead of patching it', async (_name, line) => {
    const { open } = await startServer(true);
    const d = await open();
    d.send(Buffer.from(`${line}\r\n`, 'latin1'));
    expect(await d.reply()).toBe('500 5.5.2 Syntax error: command is not valid UTF-8');
    await expectInSync(d);
    d.close();
  });
});

describe('BDAT is just as strict', () => {
  const withEnvelope = async (open: () => Promise<Dialogue>, body = '') => {
    const d = await open();
    expect(await d.command(`MAIL FROM:<a@remote.test>${body}`)).toMatch(/^250/);
    expect(await d.command('RCPT TO:<victim@example.test>')).toMatch(/^250/);
    return d;
  };

  it('refuses a chunked message with a bare LF and reads none of its bytes as commands', async () => {
    const { accepted, open } = await startServer(true);
    const d = await withEnvelope(open);
    const chunk = `Subject: first\r\n\r\nhello\n.\r\n${FORGED}`;
    d.send(`BDAT ${Buffer.byteLength(chunk)} LAST\r\n${chunk}`);
    expect(await d.reply()).toMatch(/^550 5\.6\.0 /);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });

  it('refuses NUL and bare CR in BDAT content, but BINARYMIME bodies may hold any octets', async () => {
    const { accepted, open } = await startServer(true);
    for (const body of ['a\0b\r\n', 'a\rb\r\n']) {
      const d = await withEnvelope(open);
      const chunk = `Subject: x\r\n\r\n${body}`;
      d.send(`BDAT ${Buffer.byteLength(chunk)} LAST\r\n${chunk}`);
      expect(await d.reply()).toMatch(/^550 5\.6\.0 /);
      d.close();
    }
    const d = await withEnvelope(open, ' BODY=BINARYMIME');
    const chunk = 'Subject: bin\r\n\r\n\0\n.\r\n\r';
    d.send(`BDAT ${Buffer.byteLength(chunk)} LAST\r\n${chunk}`);
    expect(await d.reply()).toMatch(/^250 2\.0\.0 Ok: queued/);
    expect(accepted).toHaveLength(1);
    expect(accepted[0].data.toString('latin1').endsWith(chunk)).toBe(true);
    d.close();
  });

  it('a BDAT with a bad argument still swallows its chunk', async () => {
    const { accepted, open } = await startServer(true);
    const d = await withEnvelope(open);
    const chunk = `NOOP\r\n${FORGED}`;
    d.send(`BDAT ${Buffer.byteLength(chunk)} LAZT\r\n${chunk}`);
    expect(await d.reply()).toMatch(/^501 5\.5\.4 /);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });

  it('a BDAT without a size closes the session: the chunk end cannot be known', async () => {
    const { accepted, open } = await startServer(true);
    const d = await withEnvelope(open);
    d.send(`BDAT LAST\r\n${FORGED}`);
    expect(await d.reply()).toMatch(/^501 5\.5\.4 /);
    expect(await d.reply()).toMatch(/^421 4\.5\.0 /);
    await d.waitClosed();
    expect(accepted).toHaveLength(0);
  });

  it('a chunk sent for a transaction that has no recipient is consumed, not executed', async () => {
    const { accepted, open } = await startServer(true);
    const d = await open();
    const chunk = FORGED;
    d.send(`BDAT ${Buffer.byteLength(chunk)} LAST\r\n${chunk}`);
    expect(await d.reply()).toMatch(/^503 5\.5\.1 /);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });

  it('DATA after BDAT in the same transaction is refused', async () => {
    const { accepted, open } = await startServer(true);
    const d = await withEnvelope(open);
    d.send('BDAT 3\r\nabc');
    expect(await d.reply()).toMatch(/^250 2\.0\.0 3 octets/);
    expect(await d.command('DATA')).toMatch(/^503 5\.5\.1 /);
    await expectInSync(d);
    expect(accepted).toHaveLength(0);
    d.close();
  });
});
