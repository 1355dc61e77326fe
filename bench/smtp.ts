/**
 * SMTP accept benchmark: `npm run bench -- smtp`.
 * Starts `nimbus start` (mx + delivery) as a child process on 127.0.0.1 and sends 10 KiB messages
 * from 20 concurrent sessions, one message per connection and many per connection. Prints
 * accepted messages/s (250 replies), accepted-to-mailbox messages/s (delivered into INBOX),
 * p50/p99 latency of each transaction, and the node's peak RSS.
 * Options (env): BENCH_MESSAGES (default 3000), BENCH_CONCURRENCY (20), BENCH_PER_CONNECTION (100),
 * BENCH_DATABASE_URL (run on PostgreSQL instead of PGlite), BENCH_NODE_ARGS (extra node flags, e.g. --cpu-prof),
 * BENCH_AWS=1 (then also the AWS adapters: S3 + SQS on moto, with S3/SQS requests per message).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SmtpLoadClient } from './lib/smtp-load';
import { startMoto } from './lib/moto';
import { fmt, peakRssMiB, summarise } from './lib/stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const PER_CONNECTION = Number(process.env.BENCH_PER_CONNECTION ?? 100);
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const BIN = path.join(__dirname, '../bin/nimbus.cjs');

function tenKibMessage(n: number): string {
  const header = `From: bench@remote.test\r\nTo: rcpt@bench.test\r\nSubject: bench ${n}\r\nMessage-ID: <${n}.${Date.now()}@bench>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  let body = '';
  while (header.length + body.length < 10 * 1024 - line.length) body += line;
  return header + body;
}

async function delivered(httpPort: number): Promise<number> {
  return (await scrape(httpPort)).delivered;
}

async function scrape(httpPort: number): Promise<{ delivered: number; s3: number; sqs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^nimbus_${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    delivered: value('messages_delivered_total'),
    s3: value('s3_requests'),
    sqs: value('sqs_requests'),
  };
}

async function runScenario(
  name: string,
  perConnection: number,
  smtpPort: number,
  httpPort: number,
  pid: number,
) {
  const start = await scrape(httpPort);
  const before = start.delivered;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < MESSAGES) {
      const client = await SmtpLoadClient.connect(smtpPort);
      for (let i = 0; i < perConnection && next < MESSAGES; i++) {
        const n = next++;
        const t0 = performance.now();
        await client.send('bench@remote.test', 'rcpt@bench.test', tenKibMessage(n));
        latencies.push(performance.now() - t0);
      }
      await client.quit();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const acceptedAt = performance.now();
  while ((await delivered(httpPort)) - before < MESSAGES) await new Promise((r) => setTimeout(r, 20));
  const deliveredAt = performance.now();
  const stats = summarise(latencies);
  const end = await scrape(httpPort);
  const perMessage =
    end.s3 + end.sqs > 0
      ? `   S3 ${fmt((end.s3 - start.s3) / MESSAGES, 2)} + SQS ${fmt((end.sqs - start.sqs) / MESSAGES, 2)} requests/msg`
      : '';
  const acceptSeconds = (acceptedAt - started) / 1000;
  const deliverSeconds = (deliveredAt - started) / 1000;
  console.log(
    `${name.padEnd(28)} accepted ${fmt(MESSAGES / acceptSeconds, 0).padStart(6)} msg/s   ` +
      `to mailbox ${fmt(MESSAGES / deliverSeconds, 0).padStart(6)} msg/s   ` +
      `latency p50 ${fmt(stats.p50)} ms p99 ${fmt(stats.p99)} ms   peak RSS ${fmt(peakRssMiB(pid), 0)} MiB` +
      perMessage,
  );
}

async function main(): Promise<void> {
  await variant('local disk + SQL spool', {});
  if (process.env.BENCH_AWS === '1') {
    const moto = await startMoto();
    try {
      await variant('S3 + SQS (moto on loopback)', {
        ...moto.env,
        NIMBUS_BLOBS: 's3://nimbus-bench/blobs',
        NIMBUS_SPOOL: 'sqs://nimbus-bench',
        NIMBUS_CREATE_MISSING: 'true',
        NIMBUS_SQS_WAIT_SECONDS: '1',
      });
    } finally {
      await moto.stop();
    }
  }
}

async function variant(label: string, extraEnv: Record<string, string>): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-'));
  const env = {
    ...process.env,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...(DATABASE_URL ? { DATABASE_URL } : {}),
    ...extraEnv,
  };
  let child: ReturnType<typeof spawn> | null = null;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, '--data', dataDir, ...args], { env, encoding: 'utf8' });
  try {
    cli('domain', 'add', 'bench.test');
    cli('user', 'add', 'rcpt@bench.test', '--password', 'bench-password');
    child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        BIN,
        '--data',
        dataDir,
        'start',
        '--roles',
        'mx,delivery,web',
        '--smtp-port',
        '0',
        '--http-port',
        '0',
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('nimbus: listening')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`node exited ${code}: ${out}`)));
    });
    const ports = JSON.parse(readFileSync(path.join(dataDir, 'ports.json'), 'utf8')) as {
      smtp: number;
      http: number;
    };
    console.log(
      `SMTP accept benchmark: ${MESSAGES} messages of 10 KiB, ${CONCURRENCY} concurrent sessions, ` +
        `${DATABASE_URL ? 'PostgreSQL' : 'PGlite'} + ${label}, ${os.cpus().length} cores`,
    );
    await runScenario('one message per connection', 1, ports.smtp, ports.http, child.pid!);
    await runScenario(
      `${PER_CONNECTION} messages per connection`,
      PER_CONNECTION,
      ports.smtp,
      ports.http,
      child.pid!,
    );
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
