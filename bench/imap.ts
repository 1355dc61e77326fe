/**
 * IMAP benchmark (npx tsx bench/imap.ts): starts an IMAP server in a child process on
 * 127.0.0.1 (PGlite in a temp dir, or NIMBUS_BENCH_DATABASE_URL for PostgreSQL), then prints
 *   - ops/s of the mixed workload (bench/lib/imap-mixed.ts: login, list, status, select, append,
 *     fetch, store, expunge, logout; every answer checked) at 10 and 50 concurrent clients,
 *   - FETCH latency on a 10,000-message mailbox,
 *   - server peak RSS with 1,000 and 10,000 idle (IDLE) connections.
 * Options: BENCH_SECONDS (default 10), BENCH_IDLE (default "1000,10000").
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { PgliteDatabase } from '../core/adapters/pglite/pglite-database';
import { PgDatabase } from '../core/adapters/postgres/pg-database';
import { FileBlobStore } from '../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../core/adapters/local/in-process-events';
import { runMigrations } from '../core/db/migrate';
import { Directory } from '../core/directory/directory';
import { MailboxStore } from '../core/store/mailbox-store';
import { BlobHeadCache } from '../core/store/blob-head-cache';
import { AuthThrottle } from '../core/auth/auth-throttle';
import { ImapServer, DEFAULT_IMAP_OPTIONS } from '../containers/imap/imap-server';
import { runMixed } from './lib/imap-mixed';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IDLE_COUNTS = (process.env.BENCH_IDLE ?? '1000,10000').split(',').map(Number);
const BIG = 10_000;

// ---- server side (child process) -----------------------------------------------------------

async function server(): Promise<void> {
  const dir = process.env.BENCH_DIR!;
  const db = process.env.NIMBUS_BENCH_DATABASE_URL
    ? new PgDatabase({ connectionString: process.env.NIMBUS_BENCH_DATABASE_URL })
    : await PgliteDatabase.open(path.join(dir, 'db'));
  await runMigrations(db);
  const blobs = new FileBlobStore(path.join(dir, 'blobs'));
  await blobs.init();
  const events = new InProcessEvents();
  const directory = new Directory(db);
  await directory.addDomain('bench.test');
  for (let i = 0; i < 50; i++) await directory.addAccount(`user${i}@bench.test`, 'pw');
  await directory.addAccount('big@bench.test', 'pw');
  await directory.addAccount('idle@bench.test', 'pw');
  // scrypt costs tens of ms per login: the idle-connection test would measure password hashing,
  // not IMAP. Only for that one account, the verdict is remembered.
  let idleAccount: Awaited<ReturnType<typeof directory.authenticate>> = null;
  const shim = Object.create(directory) as typeof directory;
  shim.authenticate = async (address: string, password: string) => {
    if (address !== 'idle@bench.test') return directory.authenticate(address, password);
    idleAccount ??= await directory.authenticate(address, password);
    return password === 'pw' ? idleAccount : null;
  };
  const imap = new ImapServer({
    options: {
      ...DEFAULT_IMAP_OPTIONS,
      hostname: 'bench',
      allowInsecureAuth: true,
      maxConnections: 20_000,
      maxConnectionsPerIp: 20_000,
      maxConnectionsPerUserIp: 20_000, // the idle test logs in one account 10,000 times from 127.0.0.1
    },
    directory: shim,
    store: new MailboxStore(db, blobs, events),
    db,
    // As the node wires it (containers/node/mail-listeners.ts).
    blobs: new BlobHeadCache(blobs),
    events,
    secureContext: () => {
      throw new Error('no TLS');
    },
    authThrottle: new AuthThrottle(),
    log: pino({ level: 'warn' }),
    nodeId: 'bench',
  });
  const port = await imap.listen(0, '127.0.0.1');
  process.stdout.write(`PORT ${port}\n`);
  process.on('SIGTERM', () => {
    void imap.close().then(() => process.exit(0));
  });
}

// ---- client side ---------------------------------------------------------------------------

class Conn {
  private buf = '';
  private wait: (() => void) | null = null;
  private n = 0;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wait?.();
    });
    socket.on('error', () => undefined);
  }
  static async open(port: number): Promise<Conn> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new Conn(socket);
    await c.until('* OK');
    c.buf = '';
    return c;
  }
  async until(marker: string): Promise<void> {
    while (!this.buf.includes(marker)) {
      await new Promise<void>((resolve) => (this.wait = resolve));
      this.wait = null;
    }
  }
  async cmd(text: string): Promise<string> {
    const tag = `t${++this.n}`;
    this.socket.write(`${tag} ${text}\r\n`);
    const re = new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\n]*\\n`);
    while (!re.test(this.buf)) {
      await new Promise<void>((resolve) => (this.wait = resolve));
      this.wait = null;
    }
    const m = re.exec(this.buf)!;
    const out = this.buf.slice(0, m.index + m[0].length);
    this.buf = this.buf.slice(m.index + m[0].length);
    if (m[2] !== 'OK') throw new Error(`${text.slice(0, 60)} -> ${m[0].trim()}`);
    return out;
  }
  close(): void {
    this.socket.destroy();
  }
}

const sample = (i: number): string =>
  `From: Sender ${i} <s${i}@example.org>\r\nTo: user@bench.test\r\nSubject: Benchmark message ${i}\r\n` +
  `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <b${i}@example.org>\r\nContent-Type: text/plain\r\n\r\n` +
  `${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20)}\r\n`;

function literal(text: string): string {
  return `{${Buffer.byteLength(text)}+}\r\n${text}`;
}

/** The state-tracking mixed workload (bench/lib/imap-mixed.ts, shared with `bench -- versus`). */
async function mixed(port: number, clients: number): Promise<number> {
  const result = await runMixed({
    port,
    clients,
    seconds: SECONDS,
    account: (i) => `user${i % 50}@bench.test`,
    password: 'pw',
  });
  if (result.errors.length) {
    console.log(`  ${result.errors.length} wrong answers, e.g. ${result.errors.slice(0, 3).join('; ')}`);
  }
  return result.ops / result.seconds;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function fetchLatency(port: number): Promise<void> {
  const c = await Conn.open(port);
  await c.cmd('LOGIN big@bench.test pw');
  const seedStart = Date.now();
  for (let i = 0; i < BIG; i += 250) {
    const parts = [];
    for (let k = i; k < Math.min(BIG, i + 250); k++) parts.push(literal(sample(k)));
    await c.cmd(`APPEND INBOX ${parts.join(' ')}`);
  }
  console.log(
    `  seeded ${BIG} messages in ${((Date.now() - seedStart) / 1000).toFixed(1)} s (MULTIAPPEND x250)`,
  );
  let t = Date.now();
  await c.cmd('SELECT INBOX');
  console.log(`  SELECT 10k mailbox: ${Date.now() - t} ms`);
  const time = async (label: string, command: string, runs: number): Promise<void> => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      await c.cmd(
        typeof command === 'string'
          ? command.replace('$R', String(1 + Math.floor(Math.random() * BIG)))
          : command,
      );
      samples.push(performance.now() - t);
    }
    console.log(
      `  ${label.padEnd(52)} p50 ${percentile(samples, 50).toFixed(1)} ms  p95 ${percentile(samples, 95).toFixed(1)} ms`,
    );
  };
  await time('UID FETCH 1:* (UID FLAGS) [10k]', 'UID FETCH 1:* (UID FLAGS)', 5);
  await time('FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE) [10k]', 'FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE)', 3);
  await time(
    'FETCH 1:50 (headers + BODYSTRUCTURE)',
    'FETCH 1:50 (UID FLAGS BODYSTRUCTURE BODY.PEEK[HEADER])',
    20,
  );
  await time('FETCH <random> (BODY.PEEK[])', 'FETCH $R (BODY.PEEK[])', 200);
  await time('UID SEARCH UNSEEN [10k]', 'UID SEARCH UNSEEN', 10);
  await time('SEARCH SUBJECT (lazy text index) [10k]', 'SEARCH SUBJECT "message 9999"', 3);
  c.close();
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function idleConnections(port: number, pid: number, count: number, held: Conn[]): Promise<void> {
  const before = rssOf(pid);
  const started = Date.now();
  const batch = 200;
  while (held.length < count) {
    const n = Math.min(batch, count - held.length);
    const opened = await Promise.all(
      Array.from({ length: n }, async () => {
        const c = await Conn.open(port);
        await c.cmd('LOGIN idle@bench.test pw');
        await c.cmd('SELECT INBOX');
        c.socket.write('i IDLE\r\n');
        await c.until('+ idling');
        return c;
      }),
    );
    held.push(...opened);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssOf(pid);
  console.log(
    `  ${String(count).padStart(6)} idle connections: server RSS ${after.rss.toFixed(0)} MiB (peak ${after.hwm.toFixed(0)} MiB, ` +
      `+${(after.rss - before.rss).toFixed(0)} MiB), opened in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-imap-'));
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--server'], {
    env: { ...process.env, BENCH_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    console.log(
      `IMAP benchmark (server pid ${child.pid}, ${process.env.NIMBUS_BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${os.cpus().length} CPUs)`,
    );
    console.log('Mixed workload (login, list, status, select, append, fetch, store, expunge, logout):');
    for (const clients of [10, 50]) {
      const rate = await mixed(port, clients);
      console.log(`  ${String(clients).padStart(3)} clients: ${rate.toFixed(0)} ops/s`);
    }
    // Idle connections before the 10k-message FETCH test, whose heap growth would mask them.
    console.log('Idle (IDLE) connections:');
    const held: Conn[] = [];
    for (const count of IDLE_COUNTS) await idleConnections(port, child.pid!, count, held);
    for (const c of held) c.close();
    console.log('FETCH latency on a 10,000-message mailbox:');
    await fetchLatency(port);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--server')) {
  server().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
