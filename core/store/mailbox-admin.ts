/**
 * Mailbox administration for IMAP: CREATE (with superiors), DELETE, RENAME (INBOX semantics
 * included), subscriptions, STATUS and quota. Names are Unicode, hierarchy delimiter "/".
 */
import { mailboxNameProblem } from '../mail/mailbox-name';
import type { MailboxEvents } from '../ports/events';
import type { SqlExecutor } from '../ports/sql';
import type { MailboxRow } from './mailbox-store';
import { retainExpunged } from './expunge-retention';

export const HIERARCHY_DELIMITER = '/';

export type MailboxAdminResult =
  | { ok: true; mailbox?: MailboxRow }
  | { ok: false; reason: 'exists' | 'nonexistent' | 'inbox' | 'has-children' | 'invalid' };

const ALLOWED_SPECIAL_USE = new Set([
  '\\All',
  '\\Archive',
  '\\Drafts',
  '\\Flagged',
  '\\Junk',
  '\\Sent',
  '\\Trash',
]);

export function canonicalSpecialUse(value: string): string | null {
  for (const use of ALLOWED_SPECIAL_USE) if (use.toLowerCase() === value.toLowerCase()) return use;
  return null;
}

export function validMailboxName(name: string): boolean {
  if (name.length === 0 || name.length > 1000) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return false;
  // Control characters (core/mail/mailbox-name.ts) and the wildcards cannot be part of a name.
  return mailboxNameProblem(name) === null && !/[*%]/.test(name);
}

function parents(name: string): string[] {
  const parts = name.split(HIERARCHY_DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(HIERARCHY_DELIMITER));
  return out;
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => '\\' + c);

export class MailboxAdmin {
  constructor(
    private readonly db: SqlExecutor,
    private readonly events: MailboxEvents,
  ) {}

  async list(accountId: number): Promise<MailboxRow[]> {
    const result = await this.db.query<MailboxRow>(
      `SELECT * FROM mailboxes WHERE account_id = $1 ORDER BY name`,
      [accountId],
    );
    return result.rows.map(normaliseRow);
  }

  async get(accountId: number, name: string, tx: SqlExecutor = this.db): Promise<MailboxRow | null> {
    const result = await tx.query<MailboxRow>(`SELECT * FROM mailboxes WHERE account_id = $1 AND name = $2`, [
      accountId,
      name,
    ]);
    return result.rows[0] ? normaliseRow(result.rows[0]) : null;
  }

  async create(accountId: number, name: string, specialUse: string[] = []): Promise<MailboxAdminResult> {
    if (!validMailboxName(name)) return { ok: false, reason: 'invalid' };
    const result = await this.db.transaction(async (tx): Promise<MailboxAdminResult> => {
      await tx.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      if (await this.get(accountId, name, tx)) return { ok: false, reason: 'exists' };
      const created: number[] = [];
      let nearest: MailboxRow | null = null;
      for (const parent of parents(name)) {
        const row = await this.insert(tx, accountId, parent, null);
        if (row) created.push(row.id);
        else nearest = (await this.get(accountId, parent, tx)) ?? nearest;
      }
      const mailbox = await this.insert(
        tx,
        accountId,
        name,
        specialUse.length > 0 ? specialUse.join(' ') : null,
      );
      if (mailbox) created.push(mailbox.id);
      if (nearest) await inheritAcl(tx, nearest.id, created);
      return { ok: true, mailbox: mailbox ?? undefined };
    });
    if (result.ok) await this.events.publish({ accountId, mailboxId: 0, kind: 'mailboxes' });
    return result;
  }

  private async insert(tx: SqlExecutor, accountId: number, name: string, specialUse: string | null) {
    const result = await tx.query<MailboxRow>(
      `INSERT INTO mailboxes (account_id, name, special_use, subscribed)
       VALUES ($1, $2, $3, EXISTS (SELECT 1 FROM mailbox_subscriptions WHERE account_id = $1 AND name = $2))
       ON CONFLICT (account_id, name) DO NOTHING RETURNING *`,
      [accountId, name, specialUse],
    );
    if (result.rows.length > 0) {
      await tx.query(`DELETE FROM mailbox_subscriptions WHERE account_id = $1 AND name = $2`, [
        accountId,
        name,
      ]);
    }
    return result.rows[0] ? normaliseRow(result.rows[0]) : null;
  }

  async delete(accountId: number, name: string): Promise<MailboxAdminResult> {
    if (name === 'INBOX') return { ok: false, reason: 'inbox' };
    const result = await this.db.transaction(async (tx): Promise<MailboxAdminResult & { id?: number }> => {
      const rows = await tx.query<{ id: number; subscribed: boolean }>(
        `SELECT id, subscribed FROM mailboxes WHERE account_id = $1 AND name = $2 FOR UPDATE`,
        [accountId, name],
      );
      const mailbox = rows.rows[0];
      if (!mailbox) return { ok: false, reason: 'nonexistent' };
      const children = await tx.query(
        `SELECT 1 FROM mailboxes WHERE account_id = $1 AND name LIKE $2 ESCAPE '\\' LIMIT 1`,
        [accountId, escapeLike(name + HIERARCHY_DELIMITER) + '%'],
      );
      if (children.rows.length > 0) return { ok: false, reason: 'has-children' };
      await releaseMailboxMessages(tx, accountId, mailbox.id);
      await tx.query(`DELETE FROM mailboxes WHERE id = $1`, [mailbox.id]);
      if (mailbox.subscribed) {
        await tx.query(
          `INSERT INTO mailbox_subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [accountId, name],
        );
      }
      return { ok: true, id: Number(mailbox.id) };
    });
    if (result.ok) {
      await this.events.publish({ accountId, mailboxId: result.id ?? 0, kind: 'expunge' });
      await this.events.publish({ accountId, mailboxId: 0, kind: 'mailboxes' });
    }
    return result;
  }

  /**
   * RENAME: inferior names move along. Renaming INBOX moves its messages to a new mailbox
   * and leaves INBOX empty (RFC 9051 §6.3.6); the moved messages count as expunged in INBOX.
   */
  async rename(accountId: number, from: string, to: string): Promise<MailboxAdminResult> {
    if (!validMailboxName(to)) return { ok: false, reason: 'invalid' };
    if (to === 'INBOX') return { ok: false, reason: 'exists' };
    if (from !== 'INBOX' && (to === from || to.startsWith(from + HIERARCHY_DELIMITER))) {
      return { ok: false, reason: 'invalid' };
    }
    const result = await this.db.transaction(
      async (tx): Promise<MailboxAdminResult & { inboxId?: number }> => {
        await tx.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
        const source = await this.get(accountId, from, tx);
        if (!source) return { ok: false, reason: 'nonexistent' };
        if (await this.get(accountId, to, tx)) return { ok: false, reason: 'exists' };
        for (const parent of parents(to)) await this.insert(tx, accountId, parent, null);
        if (from === 'INBOX') {
          const target = await this.insert(tx, accountId, to, null);
          if (!target) return { ok: false, reason: 'exists' };
          await moveAllMessages(tx, source, target);
          return { ok: true, inboxId: source.id };
        }
        // Children first keep their relative names; then the mailbox itself.
        await tx.query(
          `UPDATE mailboxes SET name = $3 || substr(name, $4) WHERE account_id = $1 AND name LIKE $2 ESCAPE '\\'`,
          [
            accountId,
            escapeLike(from + HIERARCHY_DELIMITER) + '%',
            to + HIERARCHY_DELIMITER,
            from.length + 2,
          ],
        );
        await tx.query(`UPDATE mailboxes SET name = $3 WHERE account_id = $1 AND name = $2`, [
          accountId,
          from,
          to,
        ]);
        return { ok: true };
      },
    );
    if (result.ok) {
      if (result.inboxId)
        await this.events.publish({ accountId, mailboxId: result.inboxId, kind: 'expunge' });
      await this.events.publish({ accountId, mailboxId: 0, kind: 'mailboxes' });
    }
    return result;
  }

  async subscribe(accountId: number, name: string): Promise<void> {
    const updated = await this.db.query(
      `UPDATE mailboxes SET subscribed = true WHERE account_id = $1 AND name = $2 RETURNING id`,
      [accountId, name],
    );
    if (updated.rows.length === 0) {
      await this.db.query(
        `INSERT INTO mailbox_subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [accountId, name],
      );
    }
    await this.events.publish({ accountId, mailboxId: 0, kind: 'subscriptions' });
  }

  async unsubscribe(accountId: number, name: string): Promise<boolean> {
    const a = await this.db.query(
      `UPDATE mailboxes SET subscribed = false WHERE account_id = $1 AND name = $2 AND subscribed RETURNING id`,
      [accountId, name],
    );
    const b = await this.db.query(
      `DELETE FROM mailbox_subscriptions WHERE account_id = $1 AND name = $2 RETURNING name`,
      [accountId, name],
    );
    const changed = a.rows.length + b.rows.length > 0;
    if (changed) await this.events.publish({ accountId, mailboxId: 0, kind: 'subscriptions' });
    return changed;
  }

  /** Every subscribed name, existing or not. */
  async subscriptions(accountId: number): Promise<Set<string>> {
    const result = await this.db.query<{ name: string }>(
      `SELECT name FROM mailboxes WHERE account_id = $1 AND subscribed
       UNION SELECT name FROM mailbox_subscriptions WHERE account_id = $1`,
      [accountId],
    );
    return new Set(result.rows.map((r) => r.name));
  }

  async status(mailboxId: number): Promise<MailboxStatus> {
    const result = await this.db.query<Record<string, unknown>>(
      `SELECT m.uidnext, m.uidvalidity, m.highestmodseq, m.message_count, m.unseen_count,
              (SELECT count(*) FROM messages x WHERE x.mailbox_id = m.id AND x.uid >= m.recent_uid) AS recent,
              (SELECT coalesce(sum(size), 0) FROM messages x WHERE x.mailbox_id = m.id) AS size,
              (SELECT count(*) FROM messages x WHERE x.mailbox_id = m.id AND '\\Deleted' = ANY(x.flags)) AS deleted
       FROM mailboxes m WHERE m.id = $1`,
      [mailboxId],
    );
    const row = result.rows[0] ?? {};
    return {
      messages: Number(row.message_count ?? 0),
      uidnext: Number(row.uidnext ?? 1),
      uidvalidity: Number(row.uidvalidity ?? 0),
      highestmodseq: Number(row.highestmodseq ?? 1),
      unseen: Number(row.unseen_count ?? 0),
      recent: Number(row.recent ?? 0),
      size: Number(row.size ?? 0),
      deleted: Number(row.deleted ?? 0),
    };
  }

  async quota(accountId: number): Promise<{ limit: number | null; used: number }> {
    const result = await this.db.query<{ quota_bytes: string | null; used_bytes: string }>(
      `SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1`,
      [accountId],
    );
    const row = result.rows[0];
    return {
      limit: row?.quota_bytes === null || row?.quota_bytes === undefined ? null : Number(row.quota_bytes),
      used: Number(row?.used_bytes ?? 0),
    };
  }
}

export interface MailboxStatus {
  messages: number;
  uidnext: number;
  uidvalidity: number;
  highestmodseq: number;
  unseen: number;
  recent: number;
  size: number;
  deleted: number;
}

export function normaliseRow(row: MailboxRow): MailboxRow {
  return {
    ...row,
    id: Number(row.id),
    account_id: Number(row.account_id),
    uidvalidity: Number(row.uidvalidity),
    uidnext: Number(row.uidnext),
    highestmodseq: Number(row.highestmodseq),
    message_count: Number(row.message_count),
    unseen_count: Number(row.unseen_count),
  };
}

/** New mailboxes inherit the ACL of their nearest existing parent (RFC 4314 §4, CREATE). */
async function inheritAcl(tx: SqlExecutor, parentId: number, childIds: number[]): Promise<void> {
  for (const child of childIds) {
    await tx.query(
      `INSERT INTO mailbox_acl (mailbox_id, grantee_id, negative, rights)
       SELECT $2, grantee_id, negative, rights FROM mailbox_acl WHERE mailbox_id = $1`,
      [parentId, child],
    );
  }
}

/** Releases the blob references and quota of every message in a mailbox (before it is deleted). */
export async function releaseMailboxMessages(
  tx: SqlExecutor,
  accountId: number,
  mailboxId: number,
): Promise<void> {
  await tx.query(
    `UPDATE blobs b SET refcount = b.refcount - x.n, updated_at = now()
     FROM (SELECT blob_key, count(*)::int AS n FROM messages WHERE mailbox_id = $1 GROUP BY blob_key) x
     WHERE b.key = x.blob_key`,
    [mailboxId],
  );
  await tx.query(
    `UPDATE accounts SET used_bytes = GREATEST(0, used_bytes -
       (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = $2)) WHERE id = $1`,
    [accountId, mailboxId],
  );
}

/** INBOX rename: every message moves to `target` keeping its UID; INBOX records them as expunged. */
async function moveAllMessages(tx: SqlExecutor, inbox: MailboxRow, target: MailboxRow): Promise<void> {
  const locked = await tx.query<{
    highestmodseq: string;
    uidnext: string;
    message_count: string;
    unseen_count: string;
  }>(
    `UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = $1
     RETURNING highestmodseq, uidnext, message_count, unseen_count`,
    [inbox.id],
  );
  const state = locked.rows[0];
  const modseq = Number(state.highestmodseq);
  // Sessions that still show these messages in INBOX keep reading them (expunge-retention.ts).
  const moved = await tx.query<{ uid: string }>(`SELECT uid FROM messages WHERE mailbox_id = $1`, [inbox.id]);
  await retainExpunged(
    tx,
    inbox.id,
    moved.rows.map((row) => Number(row.uid)),
    modseq,
  );
  await tx.query(`UPDATE messages SET mailbox_id = $2, modseq = LEAST(modseq, $3) WHERE mailbox_id = $1`, [
    inbox.id,
    target.id,
    modseq,
  ]);
  await tx.query(
    `UPDATE mailboxes SET uidnext = $2, highestmodseq = $3, message_count = $4, unseen_count = $5 WHERE id = $1`,
    [target.id, Number(state.uidnext), modseq, Number(state.message_count), Number(state.unseen_count)],
  );
  await tx.query(
    `UPDATE mailboxes SET message_count = 0, unseen_count = 0, recent_uid = uidnext WHERE id = $1`,
    [inbox.id],
  );
}
