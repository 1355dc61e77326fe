import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import type { SqlDatabase } from '../../core/ports/sql';
import { NodeProcess, freePort, nimbus } from '../helpers/node-process';
import { createTestDatabaseUrl } from '../helpers/test-database';

/**
 * The durability promise: a 250 means the message is stored. While a client sends a few hundred
 * messages, the node is SIGKILLed at random moments and restarted; afterwards every message that
 * got a 250 is in the mailbox exactly once, and no message is there half-written.
 */
const MESSAGES = 300;
const KILLS = 5;

/**
 * Message n, sent in SMTP transaction `tx`. A client that loses the connection before the 250
 * sends n again in a new transaction, and the first one may well have been stored (the node died
 * between commit and reply): that is SMTP's at-least-once contract. So the promise is checked per
 * transaction: every transaction that got 250 is there exactly once, and none is there twice.
 */
function message(n: number, tx: number): string {
  const filler = `filler line for message ${n} ${'x'.repeat(60)}\r\n`.repeat(40);
  return `From: load@remote.test\r\nTo: victim@crash.test\r\nSubject: crash-${n}-${tx}\r\n\r\n${filler}END-${n}-${tx}\r\n`;
}

/** Sends messages one at a time over reconnecting connections; records which ones got 250. */
async function sendAll(port: number, acked: Set<number>, isDone: () => boolean): Promise<number> {
  let tx = 0;
  let next = 0;
  let attempts = 0;
  while (next < MESSAGES && !isDone()) {
    attempts++;
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let buffer = '';
        let step = 0;
        const perConnection = 1 + (attempts % 5);
        let sentHere = 0;
        const write = (text: string) => socket.write(text);
        socket.setEncoding('utf8');
        socket.on('error', reject);
        socket.on('close', () => reject(new Error('closed')));
        socket.on('data', (text: string) => {
          buffer += text;
          let match: RegExpExecArray | null;
          while ((match = /^(\d{3})([ -])[^\n]*\n/.exec(buffer))) {
            buffer = buffer.slice(match[0].length);
            if (match[2] === '-') continue;
            const code = Number(match[1]);
            switch (step) {
              case 0: // greeting
                write('EHLO load.test\r\n');
                step = 1;
                break;
              case 1:
              case 5: // EHLO or previous message done
                if (step === 5 && code === 250) {
                  acked.add(tx);
                  next++;
                }
                if (step === 5 && code !== 250) return reject(new Error(`DATA answered ${code}`));
                if (next >= MESSAGES || sentHere >= perConnection) {
                  socket.removeAllListeners('close');
                  socket.end('QUIT\r\n');
                  return resolve();
                }
                sentHere++;
                write('MAIL FROM:<load@remote.test>\r\n');
                step = 2;
                break;
              case 2:
                write('RCPT TO:<victim@crash.test>\r\n');
                step = 3;
                break;
              case 3:
                write('DATA\r\n');
                step = 4;
                break;
              case 4:
                if (code !== 354) return reject(new Error(`DATA answered ${code}`));
                write(`${message(next, ++tx)}.\r\n`);
                step = 5;
                break;
            }
          }
        });
      });
    } catch {
      // The node died mid-conversation: that message has no 250; try it again after a pause.
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return next;
}

async function openDatabase(dataDir: string, url: string | undefined): Promise<SqlDatabase> {
  return url ? new PgDatabase({ connectionString: url }) : PgliteDatabase.open(path.join(dataDir, 'db'));
}

it('loses no message that got 250, duplicates none, and leaves none half-stored', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-crash-'));
  const database = await createTestDatabaseUrl();
  const env: Record<string, string> = database.url ? { DATABASE_URL: database.url } : {};
  try {
    expect(nimbus(['--data', dataDir, 'domain', 'add', 'crash.test'], { env }).status).toBe(0);
    expect(
      nimbus(['--data', dataDir, 'user', 'add', 'victim@crash.test', '--password', 'pw'], { env }).status,
    ).toBe(0);
    const smtpPort = await freePort();
    const node = new NodeProcess(
      dataDir,
      ['--smtp-port', String(smtpPort), '--pop3-port', '0', '--http-port', '0', '--roles', 'mx,delivery,web'],
      env,
    );
    await node.start();

    const acked = new Set<number>();
    let killing = true;
    const killer = (async () => {
      for (let i = 0; i < KILLS; i++) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        await node.kill('SIGKILL');
        await node.start();
      }
      killing = false;
    })();
    const sent = await sendAll(smtpPort, acked, () => false);
    await killer;
    expect(killing).toBe(false);
    expect(sent).toBe(MESSAGES);

    // Let delivery finish, then stop cleanly and inspect the store directly.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const queue = nimbus(['--data', dataDir, 'queue', 'list', '--json'], { env });
      if (queue.status === 0 && JSON.parse(queue.stdout).length === 0) break;
      if (Date.now() > deadline) throw new Error(`queue did not drain: ${queue.stdout}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await node.kill('SIGTERM')).toBe(0);

    const db = await openDatabase(dataDir, database.url);
    const blobs = new FileBlobStore(path.join(dataDir, 'blobs'));
    try {
      const rows = await db.query<{ blob_key: string; header_prefix: Buffer; size: number }>(
        `SELECT m.blob_key, m.header_prefix, m.size FROM messages m
         JOIN mailboxes b ON b.id = m.mailbox_id JOIN accounts a ON a.id = b.account_id
         WHERE a.address = 'victim@crash.test' AND b.name = 'INBOX'`,
      );
      const seen = new Map<number, number>();
      const messagesSeen = new Set<number>();
      for (const row of rows.rows) {
        const body = (await blobs.get(row.blob_key)).toString('utf8');
        const [, nText, txText] = /Subject: crash-(\d+)-(\d+)/.exec(body)!;
        const n = Number(nText);
        const tx = Number(txText);
        // Complete: the whole message is there, byte for byte.
        expect(body.endsWith(message(n, tx))).toBe(true);
        expect(row.header_prefix.length + Buffer.byteLength(body)).toBe(Number(row.size));
        seen.set(tx, (seen.get(tx) ?? 0) + 1);
        messagesSeen.add(n);
      }
      for (const tx of acked) expect({ tx, copies: seen.get(tx) ?? 0 }).toEqual({ tx, copies: 1 });
      for (const [tx, copies] of seen) expect({ tx, copies }).toEqual({ tx, copies: 1 });
      expect(messagesSeen.size).toBe(MESSAGES);
      const refs = await db.query<{ bad: number }>(
        `SELECT count(*)::int AS bad FROM messages m JOIN blobs b ON b.key = m.blob_key WHERE b.refcount < 1`,
      );
      expect(refs.rows[0].bad).toBe(0);
    } finally {
      await db.close();
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 300_000);
