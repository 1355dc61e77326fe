/**
 * `npm run bench -- growth [--sizes 10000,100000] [--backend embedded|postgres|both] [--runs 3]`:
 * how the cost of whole-mailbox operations grows with the mailbox (issue #14, "Growth"). For each
 * size, one account's INBOX is filled with that many small messages, then timed: SELECT,
 * `FETCH 1:* (FLAGS)`, `UID SEARCH UNSEEN` (half the messages are unseen) and JMAP `Email/query`
 * (the INBOX newest first, first page of 50 with the total, as a webmail asks). Each is printed
 * with its median over the runs, the time per message in the mailbox, and the ratio of the largest
 * size to the smallest: with 10× the messages, ≈10× is linear, above it worse, near 1× constant.
 *
 * The node is `nimbus start` from the CLI bundle (bench/lib/nimbus-node.ts, as `bench versus`), on
 * the embedded default (its own PostgreSQL; NIMBUS_EMBEDDED_DB=pglite for PGlite) and/or on PostgreSQL (a fresh database of its own on
 * BENCH_POSTGRES_URL's server, dropped afterwards). Filling goes through the node's IMAP port with
 * MULTIAPPEND (RFC 3502) of 1000 messages per command, the largest batch Nimbus accepts, from 4
 * sessions at once: every message is parsed and stored as a real APPEND stores it (blob written
 * and fsynced, one transaction per command); the fill time is printed. Each
 * answer is checked (EXISTS, FETCH count, SEARCH count, Email/query total); a wrong one is printed.
 * Asserts nothing; talks only to 127.0.0.1; removes its node, temp dirs and database on exit.
 */
import os from 'node:os';
import { DEFAULT_POSTGRES_URL, freshPostgres } from './lib/fresh-postgres';
import { ImapLoadClient, literal } from './lib/imap-client';
import { JmapBearerClient } from './lib/jmap-bearer';
import { buildBenchBundle, NimbusNode } from './lib/nimbus-node';
import { fmt } from './lib/stats';

const DOMAIN = 'bench.test';
const PASSWORD = 'Growth-Bench-Password-2026';
const BATCH = 1000;
const FILL_CONNECTIONS = 4;
const FILL_HOW = `IMAP MULTIAPPEND of ${BATCH} per command, ${FILL_CONNECTIONS} sessions at once`;
const OPERATIONS = ['SELECT', 'FETCH 1:* (FLAGS)', 'UID SEARCH UNSEEN', 'JMAP Email/query'] as const;
type Operation = (typeof OPERATIONS)[number];

interface Options {
  sizes: number[];
  backends: ('embedded' | 'postgres')[];
  runs: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const sizes = (value('sizes') ?? '10000,100000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new Error('--sizes: integers of at least 2');
  const backend = value('backend') ?? 'both';
  if (!['embedded', 'postgres', 'both'].includes(backend))
    throw new Error('--backend: embedded, postgres or both');
  const runs = Number(value('runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a positive integer');
  return {
    sizes: [...sizes].sort((a, b) => a - b),
    backends: backend === 'both' ? ['embedded', 'postgres'] : [backend as 'embedded' | 'postgres'],
    runs,
  };
}

/** Measured medians (ms) per operation, and how the mailbox was filled. */
interface SizeResult {
  fillSeconds: number;
  medians: Map<Operation, number>;
}

const cleanups: (() => Promise<void> | void)[] = [];
const errors: string[] = [];
const log = (line: string): void => void process.stdout.write(`${line.trimEnd()}\n`);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');
/** RFC 9051 date-time, UTC: one minute apart per message, so the receivedAt order is total. */
function internalDate(i: number): string {
  const d = new Date(Date.UTC(2024, 0, 1) + i * 60_000);
  return `"${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000"`;
}

/** A small message (≈ 300 bytes); odd ones are \Seen, so UNSEEN is half the mailbox. */
function appendItem(i: number, address: string): string {
  const body =
    `From: Sender ${i % 97} <s${i % 97}@example.org>\r\nTo: ${address}\r\nSubject: Growth message ${i}\r\n` +
    `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <g${i}.${address}>\r\nContent-Type: text/plain\r\n\r\n` +
    `Message ${i} of the growth benchmark.\r\n`;
  return `${i % 2 ? '(\\Seen) ' : '() '}${internalDate(i)} ${literal(body)}`;
}

async function login(port: number, address: string): Promise<ImapLoadClient> {
  const { client } = await ImapLoadClient.connect(port);
  cleanups.push(() => client.close());
  const reply = await client.command(`LOGIN "${address}" "${PASSWORD}"`);
  if (reply.status !== 'OK') throw new Error(`LOGIN ${address}: ${reply.text}`);
  return client;
}

/**
 * Fills INBOX with `size` messages from FILL_CONNECTIONS sessions at once, each appending every
 * FILL_CONNECTIONS-th batch (the node writes each message's blob before its transaction, so
 * concurrent commands overlap those writes; the transactions themselves take turns on the mailbox).
 */
async function fill(port: number, address: string, size: number): Promise<number> {
  const started = performance.now();
  let done = 0;
  let lastReport = started;
  const batches = Math.ceil(size / BATCH);
  const session = async (first: number): Promise<void> => {
    const client = await login(port, address);
    for (let b = first; b < batches; b += FILL_CONNECTIONS) {
      const items: string[] = [];
      for (let k = b * BATCH; k < Math.min(size, (b + 1) * BATCH); k++) items.push(appendItem(k, address));
      const reply = await client.command(`APPEND INBOX ${items.join(' ')}`);
      if (reply.status !== 'OK') throw new Error(`APPEND: ${reply.text}`);
      done += items.length;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        log(`    … ${done} messages, ${fmt(done / ((lastReport - started) / 1000), 0)} msg/s`);
      }
    }
    client.close();
  };
  await Promise.all(Array.from({ length: Math.min(FILL_CONNECTIONS, batches) }, (_, c) => session(c)));
  return (performance.now() - started) / 1000;
}

/** Times `run` `runs` times; returns the median in ms. `run` returns an error text for a wrong answer. */
async function timed(label: string, runs: number, run: () => Promise<string | null>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const wrong = await run();
    samples.push(performance.now() - started);
    if (wrong) errors.push(`${label}: ${wrong}`);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor((samples.length - 1) / 2)];
}

async function measure(
  node: NimbusNode,
  client: ImapLoadClient,
  address: string,
  size: number,
  runs: number,
): Promise<Map<Operation, number>> {
  const medians = new Map<Operation, number>();
  const unseen = Math.ceil(size / 2);
  medians.set(
    'SELECT',
    await timed(`SELECT ${size}`, runs, async () => {
      await client.command('UNSELECT');
      const reply = await client.command('SELECT INBOX');
      const exists = reply.untagged.find((l) => / EXISTS$/.test(l.text))?.text;
      return reply.status === 'OK' && exists === `* ${size} EXISTS` ? null : `${reply.text} / ${exists}`;
    }),
  );
  medians.set(
    'FETCH 1:* (FLAGS)',
    await timed(`FETCH ${size}`, runs, async () => {
      const reply = await client.command('FETCH 1:* (FLAGS)');
      const n = reply.untagged.filter((l) => / FETCH \(/.test(l.text)).length;
      return reply.status === 'OK' && n === size ? null : `${reply.text}, ${n} FETCH responses`;
    }),
  );
  medians.set(
    'UID SEARCH UNSEEN',
    await timed(`SEARCH ${size}`, runs, async () => {
      const reply = await client.command('UID SEARCH UNSEEN');
      const line = reply.untagged.find((l) => l.text.startsWith('* SEARCH'))?.text ?? '';
      const n = line.split(' ').length - 2;
      return reply.status === 'OK' && n === unseen ? null : `${reply.text}, ${n} UIDs (expected ${unseen})`;
    }),
  );
  const jmap = await JmapBearerClient.login(node.ports.http, address, PASSWORD);
  const [[, mailboxes]] = await jmap.call([
    ['Mailbox/query', { accountId: jmap.accountId, filter: { role: 'inbox' } }, 'm'],
  ]);
  const inbox = (mailboxes.ids as string[])[0];
  medians.set(
    'JMAP Email/query',
    await timed(`Email/query ${size}`, runs, async () => {
      const [[name, result]] = await jmap.call([
        [
          'Email/query',
          {
            accountId: jmap.accountId,
            filter: { inMailbox: inbox },
            sort: [{ property: 'receivedAt', isAscending: false }],
            limit: 50,
            calculateTotal: true,
          },
          'q',
        ],
      ]);
      const ids = result.ids as string[] | undefined;
      return name === 'Email/query' && result.total === size && ids?.length === Math.min(50, size)
        ? null
        : `${name} total ${String(result.total)}, ${ids?.length ?? 0} ids`;
    }),
  );
  return medians;
}

async function backendRun(
  bundle: string,
  backend: 'embedded' | 'postgres',
  options: Options,
): Promise<Map<number, SizeResult> | null> {
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    const server = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
    const db = await freshPostgres(server, 'nimbus_growth');
    if ('unreachable' in db) {
      log(`PostgreSQL at ${server} not reachable (${db.unreachable}): skipped`);
      return null;
    }
    cleanups.push(db.drop);
    databaseUrl = db.url;
  }
  log(`Nimbus on ${backend === 'postgres' ? 'PostgreSQL (fresh database)' : 'the embedded default'}:`);
  const node = new NimbusNode(bundle, databaseUrl);
  cleanups.push(() => node.remove());
  await node.start();
  await node.admin({ op: 'domain.add', name: DOMAIN });
  const results = new Map<number, SizeResult>();
  for (const size of options.sizes) {
    const address = `growth${size}@${DOMAIN}`;
    await node.admin({ op: 'user.add', address, password: PASSWORD });
    const fillSeconds = await fill(node.ports.imap, address, size);
    log(
      `  ${size} messages filled in ${fmt(fillSeconds)} s (${fmt(size / fillSeconds, 0)} msg/s, ${FILL_HOW})`,
    );
    const client = await login(node.ports.imap, address);
    const medians = await measure(node, client, address, size, options.runs);
    client.close();
    for (const op of OPERATIONS) {
      const ms = medians.get(op)!;
      log(
        `    ${op.padEnd(20)} ${fmt(ms).padStart(9)} ms  ${fmt((ms * 1000) / size, 2).padStart(8)} µs/message`,
      );
    }
    results.set(size, { fillSeconds, medians });
  }
  await node.remove();
  return results;
}

function report(options: Options, all: Map<string, Map<number, SizeResult>>): void {
  const first = options.sizes[0];
  const last = options.sizes[options.sizes.length - 1];
  const k = (n: number): string => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
  log('');
  const ratio = (a: number, b: number): string => (last > first ? `${fmt(a / b, 1)}× |` : '');
  log(
    `Median of ${options.runs} runs, ms (µs per message in the mailbox)` +
      (last > first ? `; ratio ${k(last)}/${k(first)} for ${fmt(last / first, 0)}× the messages:` : ':'),
  );
  log('');
  const ratioHead = last > first ? ` ${k(last)}/${k(first)} |` : '';
  log(`| backend | operation | ${options.sizes.map(k).join(' | ')} |${ratioHead}`);
  log(`|---|---|${options.sizes.map(() => '---').join('|')}|${ratioHead ? '---|' : ''}`);
  for (const [backend, results] of all) {
    const cells = (get: (r: SizeResult, size: number) => string): string =>
      options.sizes.map((size) => (results.has(size) ? get(results.get(size)!, size) : '-')).join(' | ');
    for (const op of OPERATIONS) {
      const ms = (size: number): number => results.get(size)?.medians.get(op) ?? NaN;
      log(
        `| ${backend} | ${op} | ${cells((r, size) => `${fmt(r.medians.get(op)!)} (${fmt((r.medians.get(op)! * 1000) / size, 2)})`)} | ` +
          ratio(ms(last), ms(first)),
      );
    }
    log(
      `| ${backend} | fill, s (${FILL_HOW}) | ${cells((r) => fmt(r.fillSeconds))} | ` +
        ratio(results.get(last)?.fillSeconds ?? NaN, results.get(first)?.fillSeconds ?? NaN),
    );
  }
  log('');
  if (errors.length === 0) log('Wrong answers: none (every answer checked).');
  else for (const e of errors.slice(0, 20)) log(`Wrong answer: ${e}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  log(
    `bench growth — ${new Date().toISOString()}, ${os.cpus().length} cores, load average ${load}, Node ${process.version}; ` +
      `sizes ${options.sizes.join(', ')}, ${options.runs} runs per operation`,
  );
  const built = await buildBenchBundle();
  cleanups.push(built.remove);
  const all = new Map<string, Map<number, SizeResult>>();
  for (const backend of options.backends) {
    const results = await backendRun(built.bundle, backend, options);
    if (results) all.set(backend === 'embedded' ? 'embedded' : 'PostgreSQL', results);
  }
  report(options, all);
}

let cleaning: Promise<void> | null = null;
let interrupted = false;
/** Runs every cleanup once, newest first, even when a signal and main's end both ask for it. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    interrupted = true;
    void cleanup().then(() => process.exit(130));
  });
main().then(
  () => cleanup().then(() => process.exit(0)),
  (error: unknown) => {
    // After a signal the node is going away too: its closed connections are not the error to show.
    if (!interrupted) console.error(error);
    void cleanup().then(() => process.exit(interrupted ? 130 : 1));
  },
);
