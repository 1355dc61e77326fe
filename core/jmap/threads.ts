/**
 * Threads for JMAP (RFC 8621 §3): a message joins the thread of any earlier message of the
 * account whose Message-ID it names in In-Reply-To/References, or of an earlier message with
 * the same base subject that names it; otherwise it starts a thread (thread id = its row id).
 * Assigned lazily, once per message, in row order.
 */
import { firstValue } from '../mime/header-parser';
import { parseMessageIds } from '../store/search/thread';
import type { JmapAccount, JmapDeps } from './context';
import { headerFields, loadMessages } from './messages';
import { bigintArray } from './util';

export async function ensureThreads(deps: JmapDeps, account: JmapAccount, ids?: number[]): Promise<void> {
  const missing = await deps.db.query<{ id: string }>(
    `SELECT m.id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     LEFT JOIN jmap_threads t ON t.message_id = m.id
     WHERE b.account_id = $1 AND t.message_id IS NULL ${ids ? 'AND m.id = ANY($2::bigint[])' : ''}
     ORDER BY m.id`,
    ids ? [account.id, bigintArray(ids)] : [account.id],
  );
  const todo = missing.rows.map((r) => Number(r.id));
  for (let i = 0; i < todo.length; i += 200) {
    const batch = todo.slice(i, i + 200);
    const messages = await loadMessages(deps, account, batch);
    for (const id of batch) {
      const m = messages.get(id);
      if (!m) continue;
      let refs: string[] = [];
      try {
        const fields = await headerFields(deps, m);
        refs = [
          ...parseMessageIds(firstValue(fields, 'references')),
          ...parseMessageIds(firstValue(fields, 'in-reply-to')),
        ];
      } catch {
        refs = parseMessageIds(m.structure.envelope.inReplyTo);
      }
      const own = parseMessageIds(m.structure.envelope.messageId)[0] ?? null;
      let thread = id;
      if (refs.length > 0) {
        const parent = await deps.db.query<{ thread_id: string }>(
          `SELECT thread_id FROM jmap_threads WHERE account_id = $1 AND msgid = ANY($2::text[]) ORDER BY message_id LIMIT 1`,
          [account.id, refs],
        );
        if (parent.rows[0]) thread = Number(parent.rows[0].thread_id);
      }
      await deps.db.query(
        `INSERT INTO jmap_threads (message_id, account_id, thread_id, msgid) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [id, account.id, thread, own],
      );
    }
  }
}

export async function threadIdsOf(
  deps: JmapDeps,
  account: JmapAccount,
  ids: number[],
): Promise<Map<number, number>> {
  await ensureThreads(deps, account, ids);
  const result = await deps.db.query<{ message_id: string; thread_id: string }>(
    `SELECT message_id, thread_id FROM jmap_threads WHERE account_id = $1 AND message_id = ANY($2::bigint[])`,
    [account.id, bigintArray(ids)],
  );
  return new Map(result.rows.map((r) => [Number(r.message_id), Number(r.thread_id)]));
}
