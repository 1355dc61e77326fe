/**
 * The embedded default database (containers/node/embedded-postgres.ts) through the real CLI:
 * `nimbus start` on a fresh data dir runs a PostgreSQL of its own in DATA/pg, mail goes in over
 * SMTP and comes out over IMAP; a SIGKILLed node's server is stopped by the next start; a clean
 * SIGTERM leaves no server behind; storage.embedded=pglite and an existing PGlite store keep PGlite.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { eventually } from '../helpers/eventually';
import { ANY_PORTS_ARGS, ANY_PORTS_ENV, NodeProcess, nimbus } from '../helpers/node-process';

const PASSWORD = 'Quartz-Ferry-Lodge-31';
const ADDRESS = 'pat@embedded.test';
// The load of a test is plain IMAP LOGIN on loopback; no DATABASE_URL: the embedded default runs.
const ENV = { ...ANY_PORTS_ENV, NIMBUS_IMAP_ALLOW_INSECURE_AUTH: 'true', DATABASE_URL: '' };
const dirs: string[] = [];

function dataDir(): string {
  // Under os.tmpdir(): as root, the server runs as `postgres`, which must be able to enter it.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-embedded-pg-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Pids of every process whose command line names `<dir>/pg` as its data directory (a postmaster). */
function serversOf(dir: string): number[] {
  const pgData = path.join(dir, 'pg');
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.includes(pgData) && path.basename(argv[0]) === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

function setUp(dir: string, env: Record<string, string> = {}): void {
  const options = { env: { ...ENV, ...env } };
  expect(nimbus(['--data', dir, 'domain', 'add', 'embedded.test'], options)).toMatchObject({ status: 0 });
  const add = nimbus(['--data', dir, 'user', 'add', ADDRESS, '--password', PASSWORD], options);
  expect(add).toMatchObject({ status: 0, stderr: '' });
}

async function send(port: number, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  const info = await transport.sendMail({ from: 'a@remote.test', to: ADDRESS, subject, text: 'hello' });
  expect(info.accepted).toEqual([ADDRESS]);
}

/** The INBOX subjects, read over IMAP. */
async function subjects(port: number): Promise<string[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: ADDRESS, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const found: string[] = [];
    for await (const message of client.fetch('1:*', { envelope: true }))
      found.push(message.envelope!.subject!);
    return found;
  } finally {
    await client.logout();
  }
}

const start = (dir: string, env: Record<string, string> = {}) =>
  new NodeProcess(dir, ANY_PORTS_ARGS, { ...ENV, ...env });

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('the embedded PostgreSQL (storage.embedded=postgres, the default)', () => {
  onLinux(
    'serves mail, survives a SIGKILL of the node and leaves no server after a clean stop',
    async () => {
      const dir = dataDir();
      setUp(dir);
      // The admin CLI started the server for each command and stopped it after.
      expect(existsSync(path.join(dir, 'pg', 'PG_VERSION'))).toBe(true);
      expect(existsSync(path.join(dir, 'db'))).toBe(false);
      expect(serversOf(dir)).toEqual([]);

      const node = start(dir);
      let ports = await node.start();
      const [server] = serversOf(dir);
      expect(server).toBeGreaterThan(0);
      await send(ports.smtp, 'before the crash');
      await eventually(async () => (await subjects(ports.imap)).length === 1);
      expect(await subjects(ports.imap)).toEqual(['before the crash']);

      // SIGKILL: the node cannot stop its server, which lives on holding the data dir.
      await node.kill('SIGKILL');
      expect(serversOf(dir)).toEqual([server]);
      ports = await node.start();
      expect(serversOf(dir)).not.toContain(server);
      expect(serversOf(dir)).toHaveLength(1);
      expect(await subjects(ports.imap)).toEqual(['before the crash']);
      await send(ports.smtp, 'after the crash');
      await eventually(async () => (await subjects(ports.imap)).length === 2);

      // Both killed (the node, then its server): the postmaster.pid of a dead process must not block.
      const [second] = serversOf(dir);
      await node.kill('SIGKILL');
      process.kill(second, 'SIGKILL');
      await eventually(async () => !serversOf(dir).includes(second));
      ports = await node.start();
      expect(await subjects(ports.imap)).toEqual(['before the crash', 'after the crash']);

      expect(await node.kill('SIGTERM')).toBe(0);
      expect(serversOf(dir)).toEqual([]);
      expect(existsSync(path.join(dir, 'pg', 'postmaster.pid'))).toBe(false);
    },
    300_000,
  );
});

describe('PGlite, where chosen or already in use', () => {
  it('runs on PGlite with storage.embedded=pglite, and an existing PGlite data dir stays on it', async () => {
    const dir = dataDir();
    setUp(dir, { NIMBUS_EMBEDDED_DB: 'pglite' });
    const node = start(dir, { NIMBUS_EMBEDDED_DB: 'pglite' });
    let ports = await node.start();
    await send(ports.smtp, 'on pglite');
    await eventually(async () => (await subjects(ports.imap)).length === 1);
    expect(await node.kill('SIGTERM')).toBe(0);
    expect(existsSync(path.join(dir, 'db'))).toBe(true);
    expect(existsSync(path.join(dir, 'pg'))).toBe(false);

    // Without the setting (default postgres): the PGlite store is kept, with a warning, not migrated.
    const again = start(dir);
    ports = await again.start();
    expect(again.output).toMatch(/holds a PGlite store: this node stays on PGlite/);
    expect(await subjects(ports.imap)).toEqual(['on pglite']);
    expect(nimbus(['--data', dir, 'user', 'list', '--json']).status).toBe(0);
    expect(await again.kill('SIGTERM')).toBe(0);
    expect(existsSync(path.join(dir, 'pg'))).toBe(false);
  }, 300_000);
});
