import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { openDatabase } from '../../containers/node/storage';
import { crashMessage, expectCrashOutcome } from '../helpers/crash-check';
import { NodeProcess, nimbus } from '../helpers/node-process';
import { freePort } from '../helpers/ports';
import { createTestDatabaseUrl } from '../helpers/test-database';

/**
 * The durability promise: a 250 means the message is stored. While a client sends a few hundred
 * messages, the node is SIGKILLed at random moments and restarted; afterwards every message that
 * got a 250 is in the mailbox exactly once, and no message is there half-written.
 */
const MESSAGES = 300;
const KILLS = 5;

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
                write(`${crashMessage(next, ++tx)}.\r\n`);
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

it('loses no message that got 250, duplicates none, and leaves none half-stored', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-crash-'));
  const database = await createTestDatabaseUrl();
  const env: Record<string, string> = database.url ? { DATABASE_URL: database.url } : {};
  try {
    expect(nimbus(['--data', dataDir, 'domain', 'add', 'crash.test'], { env }).status).toBe(0);
    expect(
      nimbus(['--data', dataDir, 'user', 'add', 'victim@crash.test', '--password', 'victim-strong-pass-7'], {
        env,
      }).status,
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

    // The node's own database: the CI PostgreSQL, or the embedded one (started here, stopped by close()).
    const db = await openDatabase({ dataDir, databaseUrl: database.url });
    const blobs = new FileBlobStore(path.join(dataDir, 'blobs'));
    try {
      await expectCrashOutcome(db, blobs, acked, MESSAGES);
    } finally {
      await db.close();
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 300_000);
