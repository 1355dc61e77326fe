/**
 * Email/query and Email/queryChanges (RFC 8621 §4.4–4.5). Email/changes, Thread/get, Thread/changes
 * and SearchSnippet/get live in their own files and are re-exported here for the dispatcher.
 */
import type { JmapAccount, JmapDeps } from './context';
import { changesSince } from './email-changes';
import { Compiler, orderBy, type Filter } from './email-filter';
import { JmapMethodError } from './errors';
import { emailIdOf, parseEmailId } from './ids';
import { fillSearchText } from './search-text';
import { accountState, encodeState } from './state';
import { ensureThreads } from './threads';
import { checkAccount, type Args } from './util';

export { changesSince, emailChanges } from './email-changes';
export { fillSearchText } from './search-text';
export { searchSnippetGet } from './search-snippet';
export { threadChanges, threadGet } from './thread-methods';

async function runQuery(
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  window: { offset: number; limit: number | null },
) {
  const compiler = new Compiler([account.id]);
  const where = compiler.compile((args.filter ?? {}) as Filter);
  if (compiler.usesText) await fillSearchText(deps, account);
  const collapse = args.collapseThreads === true;
  if (collapse) await ensureThreads(deps, account);
  const order = orderBy(args.sort);
  const from = `FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
    ${compiler.usesText ? 'LEFT JOIN message_search s ON s.message_id = m.id' : ''}
    ${collapse ? 'JOIN jmap_threads t ON t.message_id = m.id' : ''}
    WHERE b.account_id = $1 AND ${where}`;
  const baseParams = [...compiler.params];
  const limit = window.limit === null ? '' : ` LIMIT ${compiler.p(window.limit)}`;
  const offset = window.offset > 0 ? ` OFFSET ${compiler.p(window.offset)}` : '';
  const sql = collapse
    ? `SELECT id, total FROM (SELECT m.id, count(*) OVER () AS total, row_number() OVER (ORDER BY ${order}) AS pos FROM (
         SELECT DISTINCT ON (t.thread_id) m.* ${from} ORDER BY t.thread_id, ${order}) m) x ORDER BY pos${limit}${offset}`
    : `SELECT m.id, count(*) OVER () AS total ${from} ORDER BY ${order}${limit}${offset}`;
  const result = await deps.db.query<{ id: string; total: string }>(sql, compiler.params);
  let total = result.rows[0] ? Number(result.rows[0].total) : null;
  if (total === null && window.offset > 0) {
    const count = await deps.db.query<{ n: string }>(
      collapse ? `SELECT count(DISTINCT t.thread_id) AS n ${from}` : `SELECT count(*) AS n ${from}`,
      baseParams,
    );
    total = Number(count.rows[0]?.n ?? 0);
  }
  return { ids: result.rows.map((r) => Number(r.id)), total: total ?? 0 };
}

export async function emailQuery(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const queryState = await accountState(deps.db, account.id);
  let position = Number(args.position ?? 0);
  const limit = args.limit === undefined || args.limit === null ? null : Number(args.limit);
  if (limit !== null && (!Number.isInteger(limit) || limit < 0))
    throw new JmapMethodError('invalidArguments', 'limit');
  if (args.anchor !== undefined && args.anchor !== null) {
    const all = await runQuery(deps, account, args, { offset: 0, limit: null });
    const index = all.ids.indexOf(parseEmailId(args.anchor) ?? -1);
    if (index < 0) throw new JmapMethodError('anchorNotFound');
    const start = Math.max(0, index + Number(args.anchorOffset ?? 0));
    const ids = all.ids.slice(start, limit === null ? undefined : start + limit);
    return {
      accountId: args.accountId,
      queryState,
      canCalculateChanges: true,
      position: start,
      ids: ids.map(emailIdOf),
      total: all.total,
      limit: limit ?? undefined,
    };
  }
  if (position < 0) {
    const all = await runQuery(deps, account, args, { offset: 0, limit: null });
    position = Math.max(0, all.total + position);
  }
  const { ids, total } = await runQuery(deps, account, args, {
    offset: position,
    limit: limit === null ? null : Math.min(limit, 10_000),
  });
  return {
    accountId: args.accountId,
    queryState,
    canCalculateChanges: true,
    position,
    ids: ids.map(emailIdOf),
    ...(args.calculateTotal === false ? {} : { total }),
    ...(limit !== null ? { limit } : {}),
  };
}

export async function emailQueryChanges(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const c = await changesSince(deps, account, args.sinceQueryState, 100_000);
  if (c.hasMore) throw new JmapMethodError('cannotCalculateChanges');
  const changed = new Set([...c.created, ...c.updated, ...c.destroyed]);
  const max = typeof args.maxChanges === 'number' ? args.maxChanges : Infinity;
  if (changed.size > max) throw new JmapMethodError('tooManyChanges');
  const all =
    changed.size > 0 || args.calculateTotal
      ? await runQuery(deps, account, args, { offset: 0, limit: null })
      : { ids: [], total: 0 };
  const added: { id: string; index: number }[] = [];
  all.ids.forEach((id, index) => {
    if (changed.has(id)) added.push({ id: emailIdOf(id), index });
  });
  return {
    accountId: args.accountId,
    oldQueryState: args.sinceQueryState,
    newQueryState: encodeState(c.newVersions),
    removed: [...changed].map(emailIdOf),
    added,
    ...(args.calculateTotal ? { total: all.total } : {}),
  };
}
