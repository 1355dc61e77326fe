/**
 * JMAP state strings derived from IMAP MODSEQ, so a change made over IMAP shows up in /changes
 * and a change made over JMAP shows up in IMAP's CONDSTORE/QRESYNC:
 *
 *   state = "s" + one `mailboxId.highestmodseq.uidnext` triple per mailbox (base 36, by id, "_"-joined)
 *
 * Mailbox, Email and Thread share the vector: a mailbox whose HIGHESTMODSEQ moved has changed
 * (messages or its own name — migration 30 bumps the value on rename/subscribe); a message with
 * modseq above the vector entry of its mailbox has changed, created when its UID ≥ the recorded
 * UIDNEXT; deleted rows leave tombstones with the mailbox's modseq at deletion.
 */
import type { SqlExecutor } from '../ports/sql';

export interface MailboxVersion {
  id: number;
  modseq: number;
  uidnext: number;
}

export type StateVector = Map<number, MailboxVersion>;

export function encodeState(versions: Iterable<MailboxVersion>): string {
  const parts = [...versions]
    .sort((a, b) => a.id - b.id)
    .map((v) => `${v.id.toString(36)}.${v.modseq.toString(36)}.${v.uidnext.toString(36)}`);
  return 's' + parts.join('_');
}

export function decodeState(state: unknown): StateVector | null {
  if (typeof state !== 'string' || !state.startsWith('s')) return null;
  const out: StateVector = new Map();
  const body = state.slice(1);
  if (body === '') return out;
  for (const part of body.split('_')) {
    const m = /^([0-9a-z]+)\.([0-9a-z]+)\.([0-9a-z]+)$/.exec(part);
    if (!m) return null;
    const [id, modseq, uidnext] = [m[1], m[2], m[3]].map((x) => parseInt(x, 36));
    out.set(id, { id, modseq, uidnext });
  }
  return out;
}

export async function currentVersions(db: SqlExecutor, accountId: number): Promise<MailboxVersion[]> {
  const result = await db.query<{ id: string; highestmodseq: string; uidnext: string }>(
    `SELECT id, highestmodseq, uidnext FROM mailboxes WHERE account_id = $1 ORDER BY id`,
    [accountId],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    modseq: Number(r.highestmodseq),
    uidnext: Number(r.uidnext),
  }));
}

export async function accountState(db: SqlExecutor, accountId: number): Promise<string> {
  return encodeState(await currentVersions(db, accountId));
}
