/**
 * CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): a SEARCH or SORT with RETURN (UPDATE) keeps
 * its result, and after every mailbox report (mailbox-sync.ts) the session re-evaluates the
 * messages that changed and
 * sends `* ESEARCH (TAG "t") [UID] REMOVEFROM (pos set) ADDTO (pos set)` for what changed.
 * Positions are 0 for SEARCH (the order is implied) and 1-based places in the sort order for
 * SORT. An expunged member is listed in a REMOVEFROM sent just before its EXPUNGE/VANISHED
 * (mailbox-sync.ts calls beforeExpunge), while its sequence number still holds, as Dovecot does.
 * CANCELUPDATE ends contexts; selecting another mailbox ends them all.
 */
import type { CoreSearchKey } from '../../../core/store/search/search-engine';
import {
  compareSorted,
  sortValues,
  type SortCriterion,
  type SortValues,
} from '../../../core/store/search/sort-order';
import {
  onChangesReported,
  onExpungesReported,
  onReportsWanted,
  type ReportedChanges,
} from '../mailbox-sync';
import type { SelectedMailbox } from '../selected';
import type { ImapSession } from '../session';
import { ok, no, type CommandResult } from '../types';
import type { Handler } from './context';
import { additionRuns, formatRuns, removalRuns } from './context-diff';
import { candidates, matchingRows } from './search-run';
import { quoteTag } from './search-return';
import { ParseError } from '../parser/tokenizer';

/** Contexts a session may keep; beyond that the answer carries `NO [NOUPDATE "tag"]`. */
export const MAX_CONTEXTS = 10;

export interface SearchContext {
  tag: string;
  uid: boolean;
  selected: SelectedMailbox;
  key: CoreSearchKey;
  /** Null for SEARCH. */
  sort: SortCriterion[] | null;
  /** The result as the client knows it, UIDs in result order. */
  uids: number[];
  /** SORT: the sort values of the result's messages (they never change). */
  values: Map<number, SortValues> | null;
}

const contexts = new WeakMap<ImapSession, Map<string, SearchContext>>();

function live(s: ImapSession): Map<string, SearchContext> {
  let map = contexts.get(s);
  if (!map) contexts.set(s, (map = new Map()));
  for (const [tag, ctx] of map) if (ctx.selected !== s.selected) map.delete(tag);
  return map;
}

/** Keeps `ctx` up to date; false (and nothing kept) when the session has too many. */
export function addContext(s: ImapSession, ctx: SearchContext): boolean {
  const map = live(s);
  if (!map.has(ctx.tag) && map.size >= MAX_CONTEXTS) return false;
  map.set(ctx.tag, ctx);
  return true;
}

export function contextCount(s: ImapSession): number {
  return live(s).size;
}

/**
 * The context's new result. Only messages that changed are evaluated again: the others keep
 * their flags, and their text, size, dates and sort values never change. Keys that depend on
 * the clock (OLDER/YOUNGER) are therefore not re-evaluated as time passes.
 */
async function nextResult(s: ImapSession, ctx: SearchContext, changes: ReportedChanges): Promise<number[]> {
  const present = new Set(candidates(s));
  const touched = [...new Set([...changes.flags.map((f) => f.uid), ...changes.added])]
    .filter((u) => present.has(u))
    .sort((a, b) => a - b);
  const touchedSet = new Set(touched);
  const rows = await matchingRows(s, ctx.key, { envelope: ctx.sort !== null }, touched);
  const kept = ctx.uids.filter((u) => present.has(u) && !touchedSet.has(u));
  if (!ctx.sort || !ctx.values) return [...kept, ...rows.map((r) => r.uid)].sort((a, b) => a - b);
  const values = ctx.values;
  for (const row of rows) if (!values.has(row.uid)) values.set(row.uid, sortValues(row, ctx.sort));
  const result = [...kept, ...rows.map((r) => r.uid)]
    .map((uid) => ({ uid, values: values.get(uid)! }))
    .sort(compareSorted(ctx.sort))
    .map((e) => e.uid);
  const inResult = new Set(result);
  for (const uid of values.keys()) if (!inResult.has(uid)) values.delete(uid);
  return result;
}

async function update(s: ImapSession, ctx: SearchContext, changes: ReportedChanges): Promise<void> {
  const selected = ctx.selected;
  const now = await nextResult(s, ctx, changes);
  const nowSet = new Set(now);
  const before = new Set(ctx.uids);
  // Seq contexts: an expunge the client was told of has already taken the message out.
  const removed = ctx.uids.filter((u) => !nowSet.has(u) && (ctx.uid || selected.has(u)));
  const added = now.filter((u) => !before.has(u));
  if (removed.length === 0 && added.length === 0) {
    ctx.uids = now;
    return;
  }
  const toNumber = (uid: number): number => (ctx.uid ? uid : selected.seqOf(uid));
  const sorted = ctx.sort !== null;
  const removals = removalRuns(ctx.uids, new Set(removed), sorted);
  const additions = additionRuns(now, new Set(added), sorted);
  const parts = [`* ESEARCH (TAG ${quoteTag(ctx.tag)})`];
  if (ctx.uid) parts.push('UID');
  if (removals.length > 0) parts.push(`REMOVEFROM (${formatRuns(removals, toNumber)})`);
  if (additions.length > 0) parts.push(`ADDTO (${formatRuns(additions, toNumber)})`);
  s.send(parts.join(' ') + '\r\n');
  ctx.uids = now;
}

async function afterReport(
  s: ImapSession,
  selected: SelectedMailbox,
  changes: ReportedChanges,
): Promise<void> {
  const map = contexts.get(s);
  if (!map || map.size === 0) return;
  if (changes.flags.length === 0 && changes.expunged.length === 0 && changes.added.length === 0) return;
  for (const ctx of live(s).values()) {
    if (ctx.selected === selected) await update(s, ctx, changes);
  }
}

/** REMOVEFROM for results that hold expunged messages, sent before the EXPUNGE (as Dovecot). */
function beforeExpunge(s: ImapSession, selected: SelectedMailbox, uids: number[]): void {
  const map = contexts.get(s);
  if (!map || map.size === 0) return;
  const gone = new Set(uids);
  for (const ctx of live(s).values()) {
    if (ctx.selected !== selected || !ctx.uids.some((u) => gone.has(u))) continue;
    const toNumber = (uid: number): number => (ctx.uid ? uid : selected.seqOf(uid));
    const list = formatRuns(removalRuns(ctx.uids, gone, ctx.sort !== null), toNumber);
    s.send(`* ESEARCH (TAG ${quoteTag(ctx.tag)})${ctx.uid ? ' UID' : ''} REMOVEFROM (${list})\r\n`);
    ctx.uids = ctx.uids.filter((u) => !gone.has(u));
    for (const u of gone) ctx.values?.delete(u);
  }
}

onChangesReported(afterReport);
onExpungesReported(beforeExpunge);
onReportsWanted((s) => (contexts.get(s)?.size ?? 0) > 0);

/** CANCELUPDATE "tag" *(SP "tag") (RFC 5267 §4.2); an unknown tag is NO, as in Dovecot. */
export const cancelupdate: Handler = async (s, { t }): Promise<CommandResult> => {
  const tags: string[] = [];
  do {
    t.sp();
    if (t.peek() !== 0x22) throw new ParseError('Expected a quoted tag');
    tags.push(t.quoted().toString('latin1'));
  } while (!t.atEnd);
  const map = live(s);
  const unknown = tags.filter((tag) => !map.has(tag));
  for (const tag of tags) map.delete(tag);
  if (unknown.length > 0) return no(`Unknown tag ${unknown.join(' ')}`);
  return ok('Updates cancelled');
};
