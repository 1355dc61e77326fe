/**
 * `npm run bench -- profile`: one Nimbus node (the bench bundle) under one workload, for profiling
 * rather than comparing. WHAT=imap,smtp (default both), CLIENTS (IMAP, 10), SECONDS (IMAP, 10),
 * MESSAGES (SMTP, 1000), PER (SMTP messages per connection, 1), EMBEDDED=1 for the embedded default (with NIMBUS_EMBEDDED_DB=pglite: PGlite),
 * otherwise a fresh database on BENCH_POSTGRES_URL. With NIMBUS_SQL_STATS=FILE it prints the SQL
 * statements per IMAP operation or per delivered message; with
 * BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" the node writes a CPU profile of the load alone
 * (setup runs on a first start, the load on a second).
 */
import { readFileSync } from 'node:fs';
import { ImapLoadClient } from './lib/imap-client';
import { runMixed } from './lib/imap-mixed';
import { buildBenchBundle, NimbusNode } from './lib/nimbus-node';
import { runSmtpScenario } from './lib/smtp-scenario';
import { freshPostgres, DEFAULT_POSTGRES_URL } from './lib/fresh-postgres';

const DOMAIN = 'bench.test',
  RCPT = `rcpt@${DOMAIN}`,
  PASSWORD = 'Versus-Bench-Password-2026';
const accounts = Array.from({ length: 50 }, (_, i) => `user${i}@${DOMAIN}`);
const WHAT = (process.env.WHAT ?? 'imap,smtp').split(',');
async function main() {
  const built = await buildBenchBundle();
  const fresh = process.env.EMBEDDED
    ? undefined
    : await freshPostgres(process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL, 'nimbus_prof');
  const url = fresh && 'url' in fresh ? fresh.url : undefined;
  const node = new NimbusNode(built.bundle, url);
  await node.start();
  await node.admin({ op: 'domain.add', name: DOMAIN });
  for (const a of [RCPT, ...accounts]) await node.admin({ op: 'user.add', address: a, password: PASSWORD });
  await node.stop();
  await node.start();
  const stats = process.env.NIMBUS_SQL_STATS;
  const dump = async (label: string, n: number) => {
    if (!stats) return;
    process.kill(node.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 300));
    const rows = JSON.parse(readFileSync(stats, 'utf8')) as [string, number][];
    const total = rows.reduce((a, [, c]) => a + c, 0);
    console.log(`--- ${label}: ${total} statements for ${n} units (${(total / n).toFixed(2)} per unit)`);
    for (const [k, c] of rows.slice(0, 40)) console.log(String((c / n).toFixed(2)).padStart(7), k);
  };
  await dump('setup', 1);
  if (WHAT.includes('imap')) {
    const clients = Number(process.env.CLIENTS ?? 10);
    const r = await runMixed({
      port: node.ports.imap,
      clients,
      seconds: Number(process.env.SECONDS ?? 10),
      account: (i) => accounts[i],
      password: PASSWORD,
    });
    console.log(
      `IMAP ${clients}: ${(r.ops / r.seconds).toFixed(0)} ops/s errors ${r.errors.length}`,
      r.errors.slice(0, 3),
    );
    for (const [c, s] of r.latencies)
      console.log('  ', c, (s.reduce((a, b) => a + b, 0) / s.length).toFixed(1), 'ms', s.length);
    await dump('imap ops', r.ops);
  }
  if (WHAT.includes('smtp')) {
    const status = await ImapLoadClient.connect(node.ports.imap);
    await status.client.command(`LOGIN "${RCPT}" "${PASSWORD}"`);
    const inMailbox = async () => {
      const reply = await status.client.command('STATUS INBOX (MESSAGES)');
      const line = reply.untagged.find((l) => l.text.startsWith('* STATUS'))?.text ?? '';
      return Number(/MESSAGES (\d+)/.exec(line)?.[1] ?? NaN);
    };
    const n = Number(process.env.MESSAGES ?? 1000);
    const one = await runSmtpScenario({
      port: node.ports.smtp,
      recipient: RCPT,
      messages: n,
      sessions: 20,
      inMailbox,
      perConnection: Number(process.env.PER ?? 1),
    });
    console.log(
      'SMTP',
      one.toMailbox.toFixed(0),
      'msg/s to mailbox,',
      one.accepted.toFixed(0),
      'msg/s accepted, p50',
      one.p50.toFixed(1),
      'ms, p99',
      one.p99.toFixed(1),
      'ms',
      one.errors.slice(0, 3),
    );
    status.client.close();
    await dump('smtp msgs', n);
  }
  await node.remove();
  built.remove();
  if (fresh && 'drop' in fresh) await fresh.drop();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
