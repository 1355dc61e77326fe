import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/**
 * The real content-scanner daemons from Debian's packages (clamav-daemon, spamassassin, rspamd),
 * started on 127.0.0.1 with their own temporary configuration, in the foreground as children of
 * the test process. No network access: no signature or rule downloads, DNS pointed at nothing.
 */
export interface Daemon {
  name: string;
  port: number;
  stop(): Promise<void>;
}

/** The EICAR anti-virus test string, and a custom string our own signature matches. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const TEST_VIRUS = 'NIMBUS-TEST-VIRUS-7f3a9c';
/** The GTUBE anti-spam test string (SpamAssassin and rspamd). */
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function hex(text: string): string {
  return Buffer.from(text, 'latin1').toString('hex');
}

/** clamd with a database of two locally made signatures (EICAR and TEST_VIRUS), as .ndb. */
export async function startClamd(): Promise<Daemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-clamd-'));
  const port = await freePort();
  mkdirSync(path.join(dir, 'db'));
  writeFileSync(
    path.join(dir, 'db', 'nimbus-test.ndb'),
    `Nimbus.Test.Eicar:0:*:${hex(EICAR)}\nNimbus.Test.Virus:0:*:${hex(TEST_VIRUS)}\n`,
  );
  const config = path.join(dir, 'clamd.conf');
  writeFileSync(
    config,
    [
      `DatabaseDirectory ${dir}/db`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `TemporaryDirectory ${dir}`,
      `PidFile ${dir}/clamd.pid`,
      'LogFile /dev/null',
      ...(isRoot ? ['User root'] : []),
    ].join('\n') + '\n',
  );
  const child = spawn('clamd', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  return supervise('clamd', child, port, dir, async () => {
    const answer = await exchange(port, Buffer.from('zPING\0'));
    return answer.startsWith('PONG');
  });
}

/** SpamAssassin's spamd with the packaged rules, no network tests, no Bayes, no user configs. */
export async function startSpamd(): Promise<Daemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-spamd-'));
  const port = await freePort();
  const site = path.join(dir, 'site');
  mkdirSync(site);
  // spamd drops privileges (to nobody when run as root): the config must be readable by it.
  chmodSync(dir, 0o755);
  chmodSync(site, 0o755);
  // The .pre files load the plugins (Check …); local.cf turns everything networked off.
  for (const file of readdirSync('/etc/spamassassin')) {
    if (file.endsWith('.pre')) copyFileSync(path.join('/etc/spamassassin', file), path.join(site, file));
  }
  writeFileSync(
    path.join(site, 'local.cf'),
    'use_bayes 0\nbayes_auto_learn 0\nskip_rbl_checks 1\ndns_available no\nuse_auto_whitelist 0\n',
  );
  const args = [
    '--listen',
    `127.0.0.1:${port}`,
    '--local',
    '--nouser-config',
    '--siteconfigpath',
    site,
    '--min-children',
    '1',
    '--max-children',
    '2',
    '--pidfile',
    path.join(dir, 'spamd.pid'),
    '-s',
    'stderr',
    ...(isRoot ? ['-u', 'nobody'] : []),
  ];
  const child = spawn('spamd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return supervise('spamd', child, port, dir, async () => {
    const answer = await exchange(port, Buffer.from('PING SPAMC/1.5\r\n\r\n'));
    return answer.includes('PONG');
  });
}

/** rspamd with the packaged configuration, only a normal worker, DNS pointed at a dead port. */
export async function startRspamd(): Promise<Daemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-rspamd-'));
  const port = await freePort();
  for (const sub of ['local/local.d', 'db', 'run']) mkdirSync(path.join(dir, sub), { recursive: true });
  const config = path.join(dir, 'rspamd.conf');
  writeFileSync(
    config,
    `.include "$CONFDIR/common.conf"
options {
  pidfile = "$RUNDIR/rspamd.pid";
  .include "$CONFDIR/options.inc"
  .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
}
logging { type = "console"; level = "error"; }
worker "normal" {
  bind_socket = "127.0.0.1:${port}";
  .include "$CONFDIR/worker-normal.inc"
  count = 1;
}
`,
  );
  writeFileSync(
    path.join(dir, 'local/local.d/options.inc'),
    'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.5s; retransmits = 1; }\n',
  );
  for (const module of ['fuzzy_check', 'rbl', 'phishing', 'url_reputation']) {
    writeFileSync(path.join(dir, `local/local.d/${module}.conf`), 'enabled = false;\n');
  }
  const args = [
    '-f',
    '-c',
    config,
    '--var',
    `LOCAL_CONFDIR=${dir}/local`,
    '--var',
    `DBDIR=${dir}/db`,
    '--var',
    `RUNDIR=${dir}/run`,
    '--var',
    `LOGDIR=${dir}`,
    ...(isRoot ? ['-u', 'root', '-g', 'root'] : []),
  ];
  const child = spawn('rspamd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return supervise('rspamd', child, port, dir, async () => {
    const answer = await exchange(port, Buffer.from('GET /ping HTTP/1.0\r\n\r\n'));
    return answer.includes('pong');
  });
}

async function supervise(
  name: string,
  child: ChildProcess,
  port: number,
  dir: string,
  ready: () => Promise<boolean>,
): Promise<Daemon> {
  let stderr = '';
  let exited: number | null = null;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code ?? -1;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      await stop();
      throw new Error(`${name} exited with ${exited}: ${stderr}`);
    }
    if (await ready().catch(() => false)) return { name, port, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`${name} did not become ready on 127.0.0.1:${port}: ${stderr}`);
}

/** Sends `request`, half-closes, returns the whole answer (daemon closes). */
function exchange(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}
