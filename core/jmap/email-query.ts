/** Email/query, /queryChanges, /changes, Thread/get, /changes and SearchSnippet/get (RFC 8621 §3, §4.4–4.6, §5). */
import { extractSearchText, type MessageStructure } from '../mime';
import { toBuffer } from '../store/search/search-engine';
import type { JmapAccount, JmapDeps } from './context';
import { JmapMethodError } from './errors';
import { emailIdOf, parseEmailId, parseMailboxId, parseThreadId, threadIdOf } from './ids';
import { loadMessages } from './messages';
import { accountState, currentVersions, decodeState, encodeState, type MailboxVersion } from './state';
import { ensureThreads, threadIdsOf } from './threads';
import { bigintArray, checkAccount, idList, type Args } from './util';

type Filter = Record<string, unknown>;

const TEXT_KEYS = ['text', 'from', 'to', 'cc', 'bcc', 'subject', 'body', 'header'];
const SUPPORTED = new Set([
  'inMailbox',
  'inMailboxOtherThan',
  'before',
  'after',
  'minSize',
  'maxSize',
  'hasKeyword',
  'notKeyword',
  'hasAttachment',
  ...TEXT_KEYS,
]);

const escapeLike = (s: string) => '%' + s.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

class Compiler {
  params: unknown[];
  usesText = false;
  constructor(first: unknown[]) {
    this.params = [...first];
  }
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  header(field: string, value: string): string {
    this.usesText = true;
    return `coalesce(s.headers, '') ~* ${this.p(`(^|\n)${escapeRegex(field)}:[^\n]*${escapeRegex(value)}`)}`;
  }
  compile(filter: Filter): string {
    if (typeof filter.operator === 'string') {
      const conditions = Array.isArray(filter.conditions) ? (filter.conditions as Filter[]) : [];
      const parts = conditions.map((c) => this.compile(c));
      if (parts.length === 0) return filter.operator === 'OR' ? 'FALSE' : 'TRUE';
      if (filter.operator === 'AND') return `(${parts.join(' AND ')})`;
      if (filter.operator === 'OR') return `(${parts.join(' OR ')})`;
      if (filter.operator === 'NOT') return `NOT (${parts.join(' OR ')})`;
      throw new JmapMethodError('unsupportedFilter', `operator ${filter.operator}`);
    }
    const out: string[] = [];
    for (const [key, value] of Object.entries(filter)) {
      if (!SUPPORTED.has(key)) throw new JmapMethodError('unsupportedFilter', key);
      switch (key) {
        case 'inMailbox':
          out.push(`m.mailbox_id = ${this.p(parseMailboxId(value) ?? -1)}`);
          break;
        case 'inMailboxOtherThan': {
          const ids = (Array.isArray(value) ? value : []).map((v) => parseMailboxId(v) ?? -1);
          out.push(`NOT (m.mailbox_id = ANY(${this.p(bigintArray(ids))}::bigint[]))`);
          break;
        }
        case 'before':
          out.push(`m.internal_date < ${this.p(new Date(String(value)))}`);
          break;
        case 'after':
          out.push(`m.internal_date >= ${this.p(new Date(String(value)))}`);
          break;
        case 'minSize':
          out.push(`m.size >= ${this.p(Number(value))}`);
          break;
        case 'maxSize':
          out.push(`m.size < ${this.p(Number(value))}`);
          break;
        case 'hasKeyword':
        case 'notKeyword': {
          const flag = String(value).toLowerCase();
          const imap =
            {
              $seen: '\\seen',
              $flagged: '\\flagged',
              $answered: '\\answered',
              $draft: '\\draft',
              $deleted: '\\deleted',
            }[flag] ?? flag;
          const sql = `EXISTS (SELECT 1 FROM unnest(m.flags) f WHERE lower(f) = ${this.p(imap)})`;
          out.push(key === 'hasKeyword' ? sql : `NOT ${sql}`);
          break;
        }
        case 'hasAttachment':
          out.push(`${value ? '' : 'NOT '}(lower(m.structure->'body'->>'subtype') = 'mixed')`);
          break;
        case 'text':
          this.usesText = true;
          out.push(
            `(coalesce(s.headers, '') || ' ' || coalesce(s.body, '')) ILIKE ${this.p(escapeLike(String(value)))}`,
          );
          break;
        case 'body':
          this.usesText = true;
          out.push(`coalesce(s.body, '') ILIKE ${this.p(escapeLike(String(value)))}`);
          break;
        case 'header': {
          const [name, v] = Array.isArray(value) ? (value as string[]) : [];
          if (typeof name !== 'string') throw new JmapMethodError('invalidArguments', 'header filter');
          out.push(this.header(name, v ?? ''));
          break;
        }
        default:
          out.push(this.header(key === 'subject' ? 'subject' : key, String(value)));
      }
    }
    return out.length > 0 ? `(${out.join(' AND ')})` : 'TRUE';
  }
}

const SORTS: Record<string, string> = {
  receivedAt: 'm.internal_date',
  sentAt: 'm.internal_date',
  size: 'm.size',
  subject: `lower(coalesce(m.structure->'envelope'->>'subject', ''))`,
  from: `lower(coalesce(m.structure->'envelope'->'from'->0->>'mailbox', ''))`,
  id: 'm.id',
};

function orderBy(sort: unknown): string {
  const list =
    Array.isArray(sort) && sort.length > 0
      ? (sort as { property: string; isAscending?: boolean }[])
      : [{ property: 'receivedAt', isAscending: false }];
  const parts = list.map((s) => {
    const col = SORTS[s.property];
    if (!col) throw new JmapMethodError('unsupportedSort', s.property);
    return `${col} ${s.isAscending === false ? 'DESC' : 'ASC'}`;
  });
  const last = list[list.length - 1];
  return [...parts, `m.id ${last.isAscending === false ? 'DESC' : 'ASC'}`].join(', ');
}

/** Fills the decoded search text of the account's messages that have none yet (once per message). */
export async function fillSearchText(deps: JmapDeps, account: JmapAccount): Promise<void> {
  for (;;) {
    const missing = await deps.db.query<{
      id: string;
      blob_key: string;
      header_prefix: unknown;
      structure: unknown;
    }>(
      `SELECT m.id, m.blob_key, m.header_prefix, m.structure FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
       LEFT JOIN message_search s ON s.message_id = m.id WHERE b.account_id = $1 AND s.message_id IS NULL LIMIT 200`,
      [account.id],
    );
    if (missing.rows.length === 0) return;
    for (const row of missing.rows) {
      let text = { headers: '', body: '' };
      try {
        const structure = (
          typeof row.structure === 'string' ? JSON.parse(row.structure) : row.structure
        ) as MessageStructure;
        text = extractSearchText(
          Buffer.concat([toBuffer(row.header_prefix), await deps.blobs.get(row.blob_key)]),
          structure,
        );
      } catch {
        // unreadable: not text-searchable
      }
      await deps.db.query(
        `INSERT INTO message_search (message_id, headers, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [row.id, text.headers.replace(/\u0000/g, ''), text.body.replace(/\u0000/g, '')],
      );
    }
  }
}

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

interface Changes {
  created: number[];
  updated: number[];
  destroyed: number[];
  newVersions: MailboxVersion[];
  hasMore: boolean;
}

/** Messages changed since a state vector (see state.ts), at most `max` (whole mailboxes at a time). */
export async function changesSince(
  deps: JmapDeps,
  account: JmapAccount,
  sinceState: unknown,
  max: number,
): Promise<Changes> {
  const since = decodeState(sinceState);
  if (!since) throw new JmapMethodError('cannotCalculateChanges', 'unknown state');
  const now = await currentVersions(deps.db, account.id);
  const out: Changes = { created: [], updated: [], destroyed: [], newVersions: [], hasMore: false };
  const result = new Map<number, MailboxVersion>(since);
  const current = new Set(now.map((v) => v.id));
  for (const v of now) {
    const old = since.get(v.id);
    if (old && old.modseq === v.modseq) continue;
    const from = old?.modseq ?? 0;
    const uidnext = old?.uidnext ?? 0;
    const rows = await deps.db.query<{ id: string; uid: string }>(
      `SELECT id, uid FROM messages WHERE mailbox_id = $1 AND modseq > $2`,
      [v.id, from],
    );
    const gone = old
      ? await deps.db.query<{ message_id: string }>(
          `SELECT message_id FROM jmap_tombstones WHERE mailbox_id = $1 AND modseq > $2`,
          [v.id, from],
        )
      : { rows: [] };
    const count = rows.rows.length + gone.rows.length;
    const total = out.created.length + out.updated.length + out.destroyed.length;
    if (total > 0 && total + count > max) {
      out.hasMore = true;
      break;
    }
    if (count > max)
      throw new JmapMethodError('cannotCalculateChanges', 'too many changes at once; resynchronise');
    for (const r of rows.rows) (Number(r.uid) >= uidnext ? out.created : out.updated).push(Number(r.id));
    for (const r of gone.rows) out.destroyed.push(Number(r.message_id));
    result.set(v.id, v);
  }
  if (!out.hasMore) {
    for (const id of since.keys()) {
      if (current.has(id)) continue;
      const gone = await deps.db.query<{ message_id: string }>(
        `SELECT message_id FROM jmap_tombstones WHERE mailbox_id = $1 AND (modseq IS NULL OR modseq > $2)`,
        [id, since.get(id)!.modseq],
      );
      for (const r of gone.rows) out.destroyed.push(Number(r.message_id));
      result.delete(id);
    }
  }
  // A message moved in place appears as changed in its new mailbox only; never report it twice.
  const seen = new Set<number>();
  out.created = out.created.filter((id) => !seen.has(id) && seen.add(id));
  out.updated = out.updated.filter((id) => !seen.has(id) && seen.add(id));
  out.destroyed = out.destroyed.filter((id) => !seen.has(id) && seen.add(id));
  out.newVersions = [...result.values()];
  return out;
}

export async function emailChanges(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const max = typeof args.maxChanges === 'number' && args.maxChanges > 0 ? args.maxChanges : 10_000;
  const c = await changesSince(deps, account, args.sinceState, max);
  return {
    accountId: args.accountId,
    oldState: args.sinceState,
    newState: encodeState(c.newVersions),
    hasMoreChanges: c.hasMore,
    created: c.created.map(emailIdOf),
    updated: c.updated.map(emailIdOf),
    destroyed: c.destroyed.map(emailIdOf),
  };
}

/** Every id that changed since the old query state is "removed", and re-"added" where it now sits. */
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

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function highlight(text: string, terms: string[]): string | null {
  const lower = text.toLowerCase();
  let first = -1;
  for (const t of terms) {
    const i = lower.indexOf(t.toLowerCase());
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  if (first < 0) return null;
  const start = Math.max(0, first - 60);
  const slice = text.slice(start, start + 255);
  let html = escapeHtml(slice);
  for (const t of terms) {
    if (!t) continue;
    html = html.replace(new RegExp(escapeRegex(escapeHtml(t)), 'gi'), (m) => `<mark>${m}</mark>`);
  }
  return html;
}

function terms(filter: Filter | null | undefined, out: string[] = []): string[] {
  if (!filter) return out;
  if (Array.isArray(filter.conditions)) (filter.conditions as Filter[]).forEach((c) => terms(c, out));
  for (const key of ['text', 'subject', 'body'])
    if (typeof filter[key] === 'string') out.push(filter[key] as string);
  return out;
}

export async function searchSnippetGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const ids = idList(args.emailIds, 'emailIds') ?? [];
  const words = terms(args.filter as Filter);
  await fillSearchText(deps, account);
  const numeric = ids.map(parseEmailId).filter((n): n is number => n !== null);
  const messages = await loadMessages(deps, account, numeric);
  const text = await deps.db.query<{ message_id: string; body: string }>(
    `SELECT message_id, body FROM message_search WHERE message_id = ANY($1::bigint[])`,
    [bigintArray([...messages.keys()])],
  );
  const bodies = new Map(text.rows.map((r) => [Number(r.message_id), r.body]));
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const id of ids) {
    const n = parseEmailId(id);
    const m = n === null ? undefined : messages.get(n);
    if (!m) {
      notFound.push(id);
      continue;
    }
    const subject = m.structure.envelope.subject ?? '';
    list.push({
      emailId: id,
      subject: words.length ? highlight(subject, words) : null,
      preview: words.length ? highlight((bodies.get(m.id) ?? '').replace(/\s+/g, ' '), words) : null,
    });
  }
  return { accountId: args.accountId, list, notFound };
}
