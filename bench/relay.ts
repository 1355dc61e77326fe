/**
 * `npm run bench -- relay [--messages N] [--latency M]`: outbound relay figures, loopback only.
 *  1. delivery rate: N outbound jobs spread over 20 destination domains (resolver override →
 *     Postfix's smtp-sink when installed, else an in-process sink), timed until the queue is empty;
 *  2. submission-to-remote latency: M messages submitted one at a time on 587 (STARTTLS + AUTH),
 *     each timed until the remote sink has it (p50/p99).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { loadConfig } from '../containers/node/config';
import { startNode } from '../containers/node/node';
import { SmtpSink } from '../test/helpers/smtp-sink';
import { fmt, summarise } from './lib/stats';
import { freePort } from '../test/helpers/ports';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const MESSAGES = arg('messages', 2000);
const LATENCY = arg('latency', 100);
const DOMAINS = 20;

async function main() {
  const sink = await new SmtpSink().start();
  let external: ChildProcess | null = null;
  let throughputPort = sink.port;
  if (existsSync('/usr/sbin/smtp-sink')) {
    throughputPort = await freePort();
    external = spawn('/usr/sbin/smtp-sink', ['-c', '-u', 'nobody', `127.0.0.1:${throughputPort}`, '256'], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 300));
  }
  const overrides: Record<string, string> = { 'latency.test': `127.0.0.1:${sink.port}` };
  for (let i = 0; i < DOMAINS; i++) overrides[`d${i}.test`] = `127.0.0.1:${throughputPort}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-relay-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      roles: 'submission,delivery,mta',
      hostname: 'bench.test',
      'ports.submission': 0,
      'ports.submissions': 0,
      'ports.http': 0,
      'delivery.pollIntervalMs': 20,
      'relay.pollIntervalMs': 20,
      'relay.batchSize': 200,
      'relay.maxBatches': 4,
      'relay.resolverOverrides': overrides,
      // The latency run submits as one user: the abuse limits stay on (their cost is measured)
      // but above what the run sends.
      'outbound.limits.user.messagesPerHour': 1_000_000,
      'outbound.limits.user.messagesPerDay': 1_000_000,
      'outbound.limits.user.recipientsPerHour': 1_000_000,
      'outbound.limits.user.recipientsPerDay': 1_000_000,
      'outbound.limits.domain.messagesPerHour': 1_000_000,
      'outbound.limits.domain.messagesPerDay': 1_000_000,
      'outbound.limits.domain.recipientsPerHour': 1_000_000,
      'outbound.limits.domain.recipientsPerDay': 1_000_000,
      'outbound.signals.burstRecipients': 1_000_000,
      'outbound.signals.quietBurstMessages': 1_000_000,
    },
  });
  const node = await startNode(config, pino({ level: 'silent' }));
  try {
    await node.admin({ op: 'domain.add', name: 'nimbus.test' });
    await node.admin({ op: 'user.add', address: 'alice@nimbus.test', password: 'alice-secret' });

    // 1. Delivery rate at 20 concurrent destinations.
    const body = Buffer.from(
      `From: alice@nimbus.test\r\nTo: bench\r\nSubject: relay bench\r\n\r\n${'x'.repeat(2000)}\r\n`,
    );
    const blob = await node.storage.blobs.put(body);
    await node.storage.db.query(
      `INSERT INTO blobs (key, size, refcount) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + $3`,
      [blob.key, blob.size, MESSAGES],
    );
    const started = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      const id = `BENCH${i}`;
      await node.storage.spool.enqueue('outbound', id, {
        queueId: id,
        blobKey: blob.key,
        size: blob.size,
        mailFrom: 'alice@nimbus.test',
        recipients: [{ address: `user${i}@d${i % DOMAINS}.test` }],
        receivedAt: new Date().toISOString(),
      });
    }
    const enqueued = Date.now();
    for (;;) {
      const depth = await node.storage.spool.depth('outbound');
      if (depth.ready + depth.leased === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `relay: ${MESSAGES} messages to ${DOMAINS} destinations via ${external ? "Postfix's smtp-sink" : 'in-process sink'}: ` +
        `${fmt(MESSAGES / seconds)} msg/s (enqueue ${fmt((enqueued - started) / 1000, 2)} s, total ${fmt(seconds, 2)} s)\n`,
    );

    // 2. Submission → remote latency.
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: node.ports.submission,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@nimbus.test', pass: 'alice-secret' },
      pool: true,
      maxConnections: 1,
    });
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY; i++) {
      const to = `r${i}@latency.test`;
      const t0 = performance.now();
      await transport.sendMail({ from: 'alice@nimbus.test', to, subject: `latency ${i}`, text: 'x' });
      while (sink.for(to).length === 0) await new Promise((r) => setTimeout(r, 2));
      latencies.push(performance.now() - t0);
    }
    transport.close();
    const s = summarise(latencies.sort((a, b) => a - b));
    process.stdout.write(
      `relay: submission → remote latency over ${LATENCY} messages: p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms\n`,
    );
  } finally {
    await node.stop();
    await sink.stop();
    external?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
