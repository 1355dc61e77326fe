/** SearchSnippet/get (RFC 8621 §5): the subject and a body excerpt with the search terms marked. */
import type { JmapAccount, JmapDeps } from './context';
import { escapeRegex, type Filter } from './email-filter';
import { parseEmailId } from './ids';
import { loadMessages } from './messages';
import { fillSearchText } from './search-text';
import { bigintArray, checkAccount, idList, type Args } from './util';

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
