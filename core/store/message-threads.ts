/**
 * IMAP's THREADID is JMAP's thread (RFC 8474 §5.2): this lets the IMAP search assign the JMAP
 * thread of messages that have none yet, in the account that owns the mailbox.
 */
import type { JmapDeps } from '../jmap/context';
import { ensureThreads } from '../jmap/threads';
import type { ThreadAssigner } from './search/object-keys';

export function threadAssigner(deps: JmapDeps): ThreadAssigner {
  return async (mailboxId, messageIds) => {
    const owner = await deps.db.query<{ account_id: string }>(
      `SELECT account_id FROM mailboxes WHERE id = $1`,
      [mailboxId],
    );
    const accountId = owner.rows[0]?.account_id;
    if (accountId === undefined) return;
    await ensureThreads(deps, { id: Number(accountId), address: '' }, messageIds);
  };
}
