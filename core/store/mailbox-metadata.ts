/**
 * METADATA storage (RFC 5464): server entries (mailbox "") and mailbox entries, `/private/…` per
 * user and `/shared/…` per mailbox, in `imap_metadata` (core/db/migrations-imap-metadata.ts).
 * Writes are atomic per command and bounded by per-mailbox, per-account and total-size limits;
 * every change is published on the Events port as kind 'metadata' (NOTIFY turns it into the
 * unsolicited `* METADATA mailbox (entry …)` of RFC 5464 §4.4.2).
 */
import type { MailboxEvents } from '../ports/events';
import type { SqlExecutor } from '../ports/sql';

export interface MetadataLimits {
  /** Longest value, octets (RFC 5464 §4.1: at least 1024). */
  maxValueSize: number;
  /** Entries one account holds on one mailbox, or on the server (RFC 5464 §4.1: at least 10). */
  maxEntriesPerMailbox: number;
  /** Entries one account holds in all. */
  maxEntriesPerAccount: number;
  /** Octets of all values one account holds. */
  maxTotalSize: number;
}

/**
 * Whose entries: the server entries of the user (mailboxId null), or a mailbox and its owner
 * (the /shared entries of a mailbox belong to, and count against, the owner).
 */
export type MetadataTarget = { mailboxId: null } | { mailboxId: number; ownerId: number };

export interface MetadataEntry {
  /** Lower-case entry name, e.g. "/private/comment". */
  name: string;
  value: Buffer;
}

export interface MetadataWrite {
  entry: string;
  /** null deletes the entry. */
  value: Buffer | null;
}

export type MetadataWriteResult = { ok: true } | { ok: false; reason: 'too-many' | 'too-large' };

/** The entry names of one event are kept well under pg_notify's 8000-byte payload. */
const EVENT_NAMES_BYTES = 3000;

class LimitExceeded extends Error {
  constructor(readonly reason: 'too-many' | 'too-large') {
    super(reason);
  }
}

const isPrivate = (entry: string): boolean => entry.startsWith('/private/');

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(String(value ?? ''), 'utf8');
}

interface Usage {
  entries: number;
  bytes: number;
  onTarget: number;
}

export class MailboxMetadata {
  constructor(
    private readonly db: SqlExecutor,
    private readonly events: MailboxEvents,
  ) {}

  /** The stored entries `userId` sees on `target`: its own /private ones and the /shared ones. */
  async entries(userId: number, target: MetadataTarget): Promise<MetadataEntry[]> {
    const owner = target.mailboxId === null ? userId : target.ownerId;
    const result = await this.db.query<{ name: string; value: unknown }>(
      `SELECT name, value FROM imap_metadata
       WHERE COALESCE(mailbox_id, 0) = $2
         AND ((account_id = $1 AND name LIKE '/private/%') OR (account_id = $3 AND name LIKE '/shared/%'))
       ORDER BY name`,
      [userId, target.mailboxId ?? 0, owner],
    );
    return result.rows.map((row) => ({ name: row.name, value: toBuffer(row.value) }));
  }

  /**
   * Applies every write or none. A write that leaves an account over a limit it was not already
   * over fails the whole command; deleting is always possible (limits may have been lowered).
   */
  async write(
    userId: number,
    target: MetadataTarget,
    writes: MetadataWrite[],
    limits: MetadataLimits,
    /** New SPECIAL-USE attributes of the mailbox (`/private/specialuse`), set in the same transaction. */
    specialUse?: string[],
  ): Promise<MetadataWriteResult> {
    const ownerOf = (entry: string): number =>
      isPrivate(entry) || target.mailboxId === null ? userId : target.ownerId;
    const mailboxKey = target.mailboxId ?? 0;
    const accounts = [...new Set(writes.map((w) => ownerOf(w.entry)))].sort((a, b) => a - b);
    try {
      await this.db.transaction(async (tx) => {
        // Serialises the limit checks of concurrent writers of the same accounts.
        await tx.query(`SELECT id FROM accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [
          accounts,
        ]);
        const before = new Map<number, Usage>();
        for (const account of accounts) before.set(account, await usage(tx, account, mailboxKey));
        for (const write of writes) {
          if (write.value === null) {
            await tx.query(
              `DELETE FROM imap_metadata WHERE account_id = $1 AND COALESCE(mailbox_id, 0) = $2 AND name = $3`,
              [ownerOf(write.entry), mailboxKey, write.entry],
            );
          } else {
            await tx.query(
              `INSERT INTO imap_metadata (account_id, mailbox_id, name, value) VALUES ($1, $2, $3, $4)
               ON CONFLICT (account_id, (COALESCE(mailbox_id, 0)), name)
               DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
              [ownerOf(write.entry), target.mailboxId, write.entry, write.value],
            );
          }
        }
        for (const account of accounts) {
          const was = before.get(account)!;
          const now = await usage(tx, account, mailboxKey);
          const grew = (a: number, b: number, limit: number): boolean => b > limit && b > a;
          if (
            grew(was.onTarget, now.onTarget, limits.maxEntriesPerMailbox) ||
            grew(was.entries, now.entries, limits.maxEntriesPerAccount)
          )
            throw new LimitExceeded('too-many');
          if (grew(was.bytes, now.bytes, limits.maxTotalSize)) throw new LimitExceeded('too-large');
        }
        if (specialUse && target.mailboxId !== null) {
          await tx.query(`UPDATE mailboxes SET special_use = $2 WHERE id = $1`, [
            target.mailboxId,
            specialUse.length > 0 ? specialUse.join(' ') : null,
          ]);
        }
      });
    } catch (error) {
      if (error instanceof LimitExceeded) return { ok: false, reason: error.reason };
      throw error;
    }
    for (const account of accounts) {
      const names = writes.filter((w) => ownerOf(w.entry) === account).map((w) => w.entry);
      await this.publish(account, mailboxKey, [...new Set(names)]);
    }
    if (specialUse && target.mailboxId !== null) {
      await this.publish(userId, mailboxKey, ['/private/specialuse']);
      await this.events.publish({ accountId: target.ownerId, mailboxId: 0, kind: 'mailboxes' });
    }
    return { ok: true };
  }

  /** A mailbox's SPECIAL-USE attributes (RFC 6154 §4 `/private/specialuse`), space-separated, or null. */
  async specialUse(mailboxId: number): Promise<string | null> {
    const result = await this.db.query<{ special_use: string | null }>(
      `SELECT special_use FROM mailboxes WHERE id = $1`,
      [mailboxId],
    );
    const value = result.rows[0]?.special_use ?? null;
    return value && value.trim() ? value : null;
  }

  /** One 'metadata' change per batch of entry names (server entries: mailboxId 0). */
  private async publish(accountId: number, mailboxId: number, names: string[]): Promise<void> {
    let batch: string[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.events.publish({ accountId, mailboxId, kind: 'metadata', entries: batch });
      batch = [];
      bytes = 0;
    };
    for (const name of names) {
      if (bytes + name.length > EVENT_NAMES_BYTES) await flush();
      batch.push(name);
      bytes += name.length;
    }
    await flush();
  }
}

async function usage(tx: SqlExecutor, accountId: number, mailboxKey: number): Promise<Usage> {
  const result = await tx.query<{ entries: string; bytes: string; on_target: string }>(
    `SELECT count(*) AS entries, COALESCE(sum(octet_length(value)), 0) AS bytes,
            count(*) FILTER (WHERE COALESCE(mailbox_id, 0) = $2) AS on_target
     FROM imap_metadata WHERE account_id = $1`,
    [accountId, mailboxKey],
  );
  const row = result.rows[0];
  return {
    entries: Number(row?.entries ?? 0),
    bytes: Number(row?.bytes ?? 0),
    onTarget: Number(row?.on_target ?? 0),
  };
}
