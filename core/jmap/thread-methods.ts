/** Thread/get and Thread/changes (RFC 8621 §3). */
import type { JmapAccount, JmapDeps } from './context';
import { changesSince } from './email-changes';
import { emailIdOf, parseThreadId, threadIdOf } from './ids';
import { accountState, encodeState } from './state';
import { ensureThreads, threadIdsOf } from './threads';
import { bigintArray, checkAccount, idList, type Args } from './util';

export async function threadGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const ids = idList(args.ids, 'ids') ?? [];
  await ensureThreads(deps, account);
  const numeric = ids.map(parseThreadId).filter((n): n is number => n !== null);
  const rows = await deps.db.query<{ thread_id: string; message_id: string }>(
    `SELECT t.thread_id, t.message_id FROM jmap_threads t JOIN messages m ON m.id = t.message_id
     WHERE t.account_id = $1 AND t.thread_id = ANY($2::bigint[]) ORDER BY m.internal_date, m.id`,
    [account.id, bigintArray(numeric)],
  );
  const byThread = new Map<string, string[]>();
  for (const r of rows.rows) {
    const key = threadIdOf(r.thread_id);
    byThread.set(key, [...(byThread.get(key) ?? []), emailIdOf(r.message_id)]);
  }
  return {
    accountId: args.accountId,
    state: await accountState(deps.db, account.id),
    list: ids.filter((id) => byThread.has(id)).map((id) => ({ id, emailIds: byThread.get(id) })),
    notFound: ids.filter((id) => !byThread.has(id)),
  };
}

export async function threadChanges(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const c = await changesSince(deps, account, args.sinceState, 100_000);
  const changedIds = [...c.created, ...c.updated];
  const threads = await threadIdsOf(deps, account, changedIds);
  const created = new Set<number>();
  const updated = new Set<number>();
  for (const id of changedIds) {
    const t = threads.get(id);
    if (t === undefined) continue;
    if (t === id && c.created.includes(id)) created.add(t);
    else updated.add(t);
  }
  const destroyed: number[] = [];
  if (c.destroyed.length > 0) {
    const gone = await deps.db.query<{ thread_id: string }>(
      `SELECT DISTINCT thread_id FROM jmap_tombstones WHERE message_id = ANY($1::bigint[]) AND thread_id IS NOT NULL`,
      [bigintArray(c.destroyed)],
    );
    for (const r of gone.rows) {
      const t = Number(r.thread_id);
      const left = await deps.db.query(
        `SELECT 1 FROM jmap_threads WHERE account_id = $1 AND thread_id = $2 LIMIT 1`,
        [account.id, t],
      );
      if (left.rows.length === 0) destroyed.push(t);
      else updated.add(t);
    }
  }
  for (const t of created) updated.delete(t);
  return {
    accountId: args.accountId,
    oldState: args.sinceState,
    newState: encodeState(c.newVersions),
    hasMoreChanges: false,
    created: [...created].map(threadIdOf),
    updated: [...updated].map(threadIdOf),
    destroyed: destroyed.map(threadIdOf),
  };
}
