/**
 * `npm run bench -- versus`: Nimbus side by side with the servers an administrator would pick
 * instead, on this machine, in one run (docs/benchmarks.md). Installs nothing: Postfix and Dovecot
 * are used when they are installed (Debian's postfix, dovecot-imapd), each private on a loopback
 * port with durability equal to Nimbus's. The same load generators drive every server:
 *   - SMTP accept → mailbox, 10 KiB messages from 20 sessions, one per connection and many per
 *     connection (a message counts once it is in the mailbox: IMAP STATUS for Nimbus, maildir files
 *     for Postfix);
 *   - the IMAP mixed workload (bench/lib/imap-mixed.ts) at 10 and 50 state-tracking clients;
 *   - for Nimbus, on the embedded default (the embedded PostgreSQL; its column names the engine that
 *     ran), on PostgreSQL (a fresh database of its own) and, on request, on PGlite
 *     (NIMBUS_EMBEDDED_DB=pglite): start-up to healthy on an existing data directory, idle memory
 *     and peak memory during the SMTP load, summed over the node and its PostgreSQL processes.
 * Each figure is printed with its ratio to the peer. Asserts nothing; talks only to 127.0.0.1.
 * Options (env): BENCH_MESSAGES (per SMTP shape, default 1000), BENCH_PER_CONNECTION (100),
 * BENCH_SECONDS (per IMAP run, 10), BENCH_ONLY (comma list of postfix,dovecot,pglite,postgres,
 * pglite-legacy; `pglite` means the embedded default, `pglite-legacy` PGlite itself; default all but
 * pglite-legacy),
 * BENCH_POSTGRES_URL (server to create the database on, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_POSTFIX_ROOT (a Postfix unpacked with dpkg -x instead of installed).
 */
import os from 'node:os';
import { dovecotAvailable, startDovecotPeer } from '../test/helpers/dovecot-peer';
import { ImapLoadClient } from './lib/imap-client';
import { runMixed, type MixedResult } from './lib/imap-mixed';
import { buildBenchBundle, NimbusNode, sampleRss, treeMemoryMiB } from './lib/nimbus-node';
import { PostfixMaildirPeer, postfixAvailable, unpackedPostfix } from './lib/postfix-maildir';
import { runSmtpScenario, type SmtpFigures } from './lib/smtp-scenario';
import { fmt } from './lib/stats';
import { DEFAULT_POSTGRES_URL, freshPostgres } from './lib/fresh-postgres';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const PER_CONNECTION = Number(process.env.BENCH_PER_CONNECTION ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SESSIONS = 20;
const CLIENT_COUNTS = [10, 50];
const ONLY = new Set((process.env.BENCH_ONLY ?? 'postfix,dovecot,pglite,postgres').split(','));
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const DOMAIN = 'bench.test';
const RCPT = `rcpt@${DOMAIN}`;
const PASSWORD = 'Versus-Bench-Password-2026';
const accounts = Array.from({ length: Math.max(...CLIENT_COUNTS) }, (_, i) => `user${i}@${DOMAIN}`);

/** One server's figures; absent ones were not measured. */
interface Figures {
  smtpOne?: SmtpFigures;
  smtpMany?: SmtpFigures;
  imap: Map<number, MixedResult>;
  startupMs?: number;
  /** Summed VmRSS of the node and its embedded PostgreSQL processes (shared pages counted per process). */
  idleRss?: number;
  /** Summed Pss of the same processes (shared pages divided among them). */
  idlePss?: number;
  peakSmtpRss?: number;
  peakSmtpPss?: number;
}

/** The embedded default (whatever engine it runs), PostgreSQL by URL, or PGlite by setting. */
type NimbusBackend = 'embedded' | 'postgres' | 'pglite-legacy';
const BACKEND_KEYS: Record<NimbusBackend, string> = {
  embedded: 'pglite', // the name of the embedded column before PostgreSQL became the default
  postgres: 'postgres',
  'pglite-legacy': 'pglite-legacy',
};

const cleanups: (() => Promise<void> | void)[] = [];
const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function smtpBoth(port: number, inMailbox: () => Promise<number>, into: Figures): Promise<void> {
  const base = { port, recipient: RCPT, messages: MESSAGES, sessions: SESSIONS, inMailbox };
  into.smtpOne = await runSmtpScenario({ ...base, perConnection: 1 });
  log(`  SMTP, one message per connection: ${fmt(into.smtpOne.toMailbox, 0)} msg/s to mailbox`);
  into.smtpMany = await runSmtpScenario({ ...base, perConnection: PER_CONNECTION });
  log(
    `  SMTP, ${PER_CONNECTION} messages per connection: ${fmt(into.smtpMany.toMailbox, 0)} msg/s to mailbox`,
  );
}

async function imapBoth(port: number, into: Figures): Promise<void> {
  for (const clients of CLIENT_COUNTS) {
    const result = await runMixed({
      port,
      clients,
      seconds: SECONDS,
      account: (i) => accounts[i],
      password: PASSWORD,
    });
    into.imap.set(clients, result);
    log(
      `  IMAP mixed, ${clients} clients: ${fmt(result.ops / result.seconds, 0)} ops/s, ${result.errors.length} errors`,
    );
  }
}

async function postfix(): Promise<Figures | null> {
  if (!ONLY.has('postfix')) return null;
  const unpacked = process.env.BENCH_POSTFIX_ROOT;
  if (!(unpacked ? process.getuid?.() === 0 : postfixAvailable())) {
    log('Postfix: not installed (or not root): SMTP figures without a peer');
    return null;
  }
  log(
    `Postfix${unpacked ? ` (unpacked in ${unpacked})` : ''}, virtual maildir delivery, fsync before 250 and before new/:`,
  );
  const peer = new PostfixMaildirPeer(DOMAIN, [RCPT], unpacked ? unpackedPostfix(unpacked) : {});
  cleanups.push(() => peer.stop());
  await peer.start();
  const figures: Figures = { imap: new Map() };
  await smtpBoth(peer.port, async () => peer.count(RCPT), figures);
  await peer.stop();
  return figures;
}

async function dovecot(): Promise<Figures | null> {
  if (!ONLY.has('dovecot')) return null;
  if (!dovecotAvailable()) {
    log('Dovecot: not installed: IMAP figures without a peer');
    return null;
  }
  log('Dovecot (maildir, mail_fsync = always):');
  const peer = await startDovecotPeer({
    users: accounts.map((address) => ({ address, password: PASSWORD })),
  });
  cleanups.push(() => peer.stop());
  const figures: Figures = { imap: new Map() };
  await imapBoth(peer.port, figures);
  await peer.stop();
  return figures;
}

async function versusDatabase(): Promise<string | null> {
  const fresh = await freshPostgres(POSTGRES_URL, 'nimbus_versus');
  if ('unreachable' in fresh) {
    log(`PostgreSQL at ${POSTGRES_URL} not reachable (${fresh.unreachable}): skipped`);
    return null;
  }
  cleanups.push(fresh.drop);
  return fresh.url;
}

/** The column name: what the node says it runs on (/healthz), so the embedded column names its engine. */
function columnName(backend: NimbusBackend, database: string): string {
  if (backend === 'postgres') return 'PostgreSQL';
  const engine = database.startsWith('postgres') ? 'PostgreSQL' : 'PGlite';
  return backend === 'embedded' ? `embedded default (${engine})` : `${engine} (NIMBUS_EMBEDDED_DB=pglite)`;
}

async function nimbus(
  bundle: string,
  backend: NimbusBackend,
): Promise<{ name: string; figures: Figures } | null> {
  if (!ONLY.has(BACKEND_KEYS[backend]) && !(backend === 'embedded' && ONLY.has('embedded'))) return null;
  const databaseUrl = backend === 'postgres' ? await versusDatabase() : undefined;
  if (databaseUrl === null) return null;
  const node = new NimbusNode(bundle, databaseUrl, backend === 'pglite-legacy' ? 'pglite' : undefined);
  cleanups.push(() => node.remove());
  await node.start();
  const name = columnName(backend, await node.database());
  log(`Nimbus on ${name}${backend === 'postgres' ? ', a fresh database' : ''}:`);
  await node.admin({ op: 'domain.add', name: DOMAIN });
  for (const address of [RCPT, ...accounts])
    await node.admin({ op: 'user.add', address, password: PASSWORD });
  await node.stop();
  // Start-up and idle footprint on the now existing data directory.
  const startupMs = await node.start();
  await new Promise((r) => setTimeout(r, 3000));
  const idle = treeMemoryMiB(node.pid);
  const figures: Figures = { imap: new Map(), startupMs, idleRss: idle.rss, idlePss: idle.pss };
  log(
    `  start-up to healthy ${fmt(startupMs, 0)} ms, idle RSS ${fmt(idle.rss, 0)} MiB (PSS ${fmt(idle.pss, 0)} MiB), summed over ${idle.processes} processes`,
  );
  const status = await ImapLoadClient.connect(node.ports.imap);
  cleanups.push(() => status.client.close());
  const login = await status.client.command(`LOGIN "${RCPT}" "${PASSWORD}"`);
  if (login.status !== 'OK') throw new Error(`Nimbus LOGIN: ${login.text}`);
  const inMailbox = async (): Promise<number> => {
    const reply = await status.client.command('STATUS INBOX (MESSAGES)');
    const line = reply.untagged.find((l) => l.text.startsWith('* STATUS'))?.text ?? '';
    return Number(/MESSAGES (\d+)/.exec(line)?.[1] ?? NaN);
  };
  const peak = sampleRss(node.pid);
  await smtpBoth(node.ports.smtp, inMailbox, figures);
  const peakMemory = peak();
  figures.peakSmtpRss = peakMemory.rss;
  figures.peakSmtpPss = peakMemory.pss;
  status.client.close();
  log(
    `  peak during the SMTP load: RSS ${fmt(peakMemory.rss, 0)} MiB, PSS ${fmt(peakMemory.pss, 0)} MiB (summed)`,
  );
  await imapBoth(node.ports.imap, figures);
  for (const line of node.errorLines) log(`  node error: ${line.slice(0, 600)}`);
  await node.remove();
  return { name, figures };
}

function ratio(value: number | undefined, peer: number | undefined): string {
  if (value === undefined) return '-';
  const own = fmt(value, 0);
  return peer === undefined ? own : `${own} (${fmt(value / peer, 2)}×)`;
}

function report(
  peers: { postfix: Figures | null; dovecot: Figures | null },
  nimbus: Map<string, Figures>,
): void {
  const rows: [string, string, (f: Figures) => number | undefined, Figures | null][] = [
    ['SMTP → mailbox, 1 msg/connection (msg/s)', 'Postfix', (f) => f.smtpOne?.toMailbox, peers.postfix],
    [
      `SMTP → mailbox, ${PER_CONNECTION} msg/connection (msg/s)`,
      'Postfix',
      (f) => f.smtpMany?.toMailbox,
      peers.postfix,
    ],
    ...CLIENT_COUNTS.map((c): [string, string, (f: Figures) => number | undefined, Figures | null] => [
      `IMAP mixed, ${c} clients (ops/s)`,
      'Dovecot',
      (f) => {
        const r = f.imap.get(c);
        return r && r.ops / r.seconds;
      },
      peers.dovecot,
    ]),
  ];
  const backends = [...nimbus.keys()];
  log('');
  log(`| workload | peer | ${backends.map((b) => `Nimbus on ${b}`).join(' | ')} |`);
  log(`|---|---|${backends.map(() => '---').join('|')}|`);
  for (const [label, peerName, get, peer] of rows) {
    const peerValue = peer ? get(peer) : undefined;
    const cells = backends.map((b) => ratio(get(nimbus.get(b)!), peerValue));
    log(
      `| ${label} | ${peer ? `${peerName}: ${fmt(peerValue ?? NaN, 0)}` : `${peerName}: not run`} | ${cells.join(' | ')} |`,
    );
  }
  const own: [string, (f: Figures) => number | undefined][] = [
    ['start-up to healthy (ms)', (f) => f.startupMs],
    ['idle RSS, summed over node + PostgreSQL processes (MiB)', (f) => f.idleRss],
    ['idle PSS, summed (MiB)', (f) => f.idlePss],
    ['peak summed RSS during the SMTP load (MiB)', (f) => f.peakSmtpRss],
    ['peak summed PSS during the SMTP load (MiB)', (f) => f.peakSmtpPss],
  ];
  for (const [label, get] of own)
    log(`| ${label} | — | ${backends.map((b) => ratio(get(nimbus.get(b)!), undefined)).join(' | ')} |`);

  log('');
  log('Per-command IMAP latency, mean / p99 ms (50 clients):');
  const servers: [string, Figures | null][] = [
    ['Dovecot', peers.dovecot],
    ...backends.map((b): [string, Figures] => [`Nimbus on ${b}`, nimbus.get(b)!]),
  ];
  for (const [name, figures] of servers) {
    const result = figures?.imap.get(50);
    if (!result) continue;
    const parts = [...result.latencies].map(([command, samples]) => {
      const sorted = [...samples].sort((a, b) => a - b);
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      return `${command} ${fmt(mean)}/${fmt(sorted[Math.ceil(sorted.length * 0.99) - 1])}`;
    });
    log(`  ${name.padEnd(20)} ${parts.join('  ')}`);
  }
  const allErrors: [string, string[]][] = [];
  const collect = (name: string, f: Figures | null): void => {
    if (!f) return;
    const errs = [
      ...(f.smtpOne?.errors ?? []),
      ...(f.smtpMany?.errors ?? []),
      ...[...f.imap.values()].flatMap((r) => r.errors),
    ];
    if (errs.length) allErrors.push([name, errs]);
  };
  collect('Postfix', peers.postfix);
  collect('Dovecot', peers.dovecot);
  for (const b of backends) collect(`Nimbus on ${b}`, nimbus.get(b)!);
  log('');
  if (allErrors.length === 0) log('Errors: none (every answer checked).');
  for (const [name, errs] of allErrors) {
    log(`Errors, ${name}: ${errs.length}`);
    const counts = new Map<string, number>();
    for (const e of errs)
      counts.set(e.replace(/user\d+@/, 'userN@'), (counts.get(e.replace(/user\d+@/, 'userN@')) ?? 0) + 1);
    for (const [e, n] of [...counts].slice(0, 10)) log(`  ${n}× ${e}`);
  }
}

async function main(): Promise<void> {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  log(
    `bench versus — ${new Date().toISOString()}, ${os.cpus().length} cores, load average ${load}, Node ${process.version}; ` +
      `${MESSAGES} × 10 KiB per SMTP shape, ${SESSIONS} sessions; IMAP ${SECONDS} s per run`,
  );
  const peers = { postfix: await postfix(), dovecot: await dovecot() };
  const built = await buildBenchBundle();
  cleanups.push(built.remove);
  const results = new Map<string, Figures>();
  for (const backend of ['embedded', 'postgres', 'pglite-legacy'] as const) {
    const result = await nimbus(built.bundle, backend);
    if (result) results.set(result.name, result.figures);
  }
  report(peers, results);
}

async function cleanup(): Promise<void> {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  cleanups.length = 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanup().then(() => process.exit(130)));
main().then(
  () => cleanup().then(() => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    void cleanup().then(() => process.exit(1));
  },
);
