/**
 * The crash tests' message format and verdict, shared by the local suite (PGlite/PostgreSQL +
 * disk) and the AWS one (S3 + SQS + PostgreSQL).
 *
 * Message n is sent in SMTP transaction `tx`. A client that loses the connection before the 250
 * sends n again in a new transaction, and the first one may well have been stored (the node died
 * between commit and reply): that is SMTP's at-least-once contract. So the promise is checked per
 * transaction: every transaction that got 250 is there exactly once, and none is there twice.
 */
import type { BlobStore } from '../../core/ports/blob-store';
import type { SqlExecutor } from '../../core/ports/sql';

export const CRASH_RECIPIENT = 'victim@crash.test';

export function crashMessage(n: number, tx: number): string {
  const filler = `filler line for message ${n} ${'x'.repeat(60)}\r\n`.repeat(40);
  return `From: load@remote.test\r\nTo: ${CRASH_RECIPIENT}\r\nSubject: crash-${n}-${tx}\r\n\r\n${filler}END-${n}-${tx}\r\n`;
}

/** Asserts the outcome: complete messages, each acknowledged transaction once, none twice, all n there. */
export async function expectCrashOutcome(
  db: SqlExecutor,
  blobs: BlobStore,
  acked: Set<number>,
  messages: number,
): Promise<void> {
  const rows = await db.query<{ blob_key: string; header_prefix: Buffer; size: number }>(
    `SELECT m.blob_key, m.header_prefix, m.size FROM messages m
     JOIN mailboxes b ON b.id = m.mailbox_id JOIN accounts a ON a.id = b.account_id
     WHERE a.address = $1 AND b.name = 'INBOX'`,
    [CRASH_RECIPIENT],
  );
  const seen = new Map<number, number>();
  const messagesSeen = new Set<number>();
  for (const row of rows.rows) {
    const body = (await blobs.get(row.blob_key)).toString('utf8');
    const [, nText, txText] = /Subject: crash-(\d+)-(\d+)/.exec(body)!;
    const n = Number(nText);
    const tx = Number(txText);
    // Complete: the whole message is there, byte for byte.
    expect(body.endsWith(crashMessage(n, tx))).toBe(true);
    expect(row.header_prefix.length + Buffer.byteLength(body)).toBe(Number(row.size));
    seen.set(tx, (seen.get(tx) ?? 0) + 1);
    messagesSeen.add(n);
  }
  for (const tx of acked) expect({ tx, copies: seen.get(tx) ?? 0 }).toEqual({ tx, copies: 1 });
  for (const [tx, copies] of seen) expect({ tx, copies }).toEqual({ tx, copies: 1 });
  expect(messagesSeen.size).toBe(messages);
  const refs = await db.query<{ bad: number }>(
    `SELECT count(*)::int AS bad FROM messages m JOIN blobs b ON b.key = m.blob_key WHERE b.refcount < 1`,
  );
  expect(refs.rows[0].bad).toBe(0);
}
