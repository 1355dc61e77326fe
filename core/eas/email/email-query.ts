/**
 * SQL of the mail item source. Every statement joins the mailbox to the account, so a folder or
 * message of another account is simply not found (tenant isolation lives here).
 */
import { messageDataOf, type MessageData } from '../../jmap/messages';
import type { SqlExecutor } from '../../ports/sql';
import { SHARED_ROOT } from '../../store/mailbox-access';

export interface OwnMailbox {
  id: number;
  name: string;
  specialUse: string | null;
}

/** A message row of the account's mailbox (the same shape JMAP loads). */
export type MailRow = MessageData;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Sync FilterType → days back (MS-ASCMD FilterType: 1 one day … 7 six months); 0 and others: all. */
const FILTER_DAYS: Record<number, number> = { 1: 1, 2: 3, 3: 7, 4: 14, 5: 31, 6: 92, 7: 183 };

export function filterSince(filterType: number, now: Date = new Date()): Date | null {
  const days = FILTER_DAYS[filterType];
  return days === undefined ? null : new Date(now.getTime() - days * DAY_MS);
}

/** The account's own mailbox (never a shared one seen under "Other Users"), or null. */
export async function ownMailbox(
  db: SqlExecutor,
  accountId: number,
  mailboxId: number,
): Promise<OwnMailbox | null> {
  const result = await db.query<{ id: string; name: string; special_use: string | null }>(
    `SELECT id, name, special_use FROM mailboxes WHERE id = $1 AND account_id = $2`,
    [mailboxId, accountId],
  );
  const row = result.rows[0];
  if (!row || row.name === SHARED_ROOT || row.name.startsWith(SHARED_ROOT + '/')) return null;
  return { id: Number(row.id), name: row.name, specialUse: row.special_use };
}

/** The account's mailbox with this special use (e.g. "\\Trash"), or null. */
export async function specialMailbox(
  db: SqlExecutor,
  accountId: number,
  use: string,
): Promise<number | null> {
  const result = await db.query<{ id: string; special_use: string | null }>(
    `SELECT id, special_use FROM mailboxes WHERE account_id = $1 AND special_use ILIKE $2 ORDER BY id`,
    [accountId, `%${use}%`],
  );
  const lower = use.toLowerCase();
  const row = result.rows.find((r) => (r.special_use ?? '').toLowerCase().split(/\s+/).includes(lower));
  return row ? Number(row.id) : null;
}

/** UID → MODSEQ of the messages within the window, \Deleted ones left out: one statement. */
export async function messageVersions(
  db: SqlExecutor,
  accountId: number,
  mailboxId: number,
  since: Date | null,
): Promise<{ uid: number; modseq: number }[]> {
  const result = await db.query<{ uid: string; modseq: string }>(
    `SELECT m.uid, m.modseq FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     WHERE m.mailbox_id = $1 AND b.account_id = $2 AND NOT ('\\Deleted' = ANY(m.flags))
       AND ($3::timestamptz IS NULL OR m.internal_date >= $3::timestamptz)
     ORDER BY m.uid`,
    [mailboxId, accountId, since ? since.toISOString() : null],
  );
  return result.rows.map((r) => ({ uid: Number(r.uid), modseq: Number(r.modseq) }));
}

/** The rows of these UIDs in the account's mailbox (missing ones are left out). */
export async function loadMessages(
  db: SqlExecutor,
  accountId: number,
  mailboxId: number,
  uids: number[],
): Promise<MailRow[]> {
  if (uids.length === 0) return [];
  const result = await db.query<Record<string, unknown>>(
    `SELECT m.id, m.mailbox_id, m.uid, m.modseq, m.flags, m.internal_date, m.size, m.blob_key,
            m.header_prefix, m.structure
     FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     WHERE m.mailbox_id = $1 AND b.account_id = $2 AND m.uid = ANY($3::bigint[])
     ORDER BY m.uid`,
    [mailboxId, accountId, `{${uids.join(',')}}`],
  );
  return result.rows.map(messageDataOf);
}
