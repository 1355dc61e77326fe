/** Email/changes (RFC 8621 §4.3) and the change computation Email/queryChanges and Thread/changes share. */
import type { JmapAccount, JmapDeps } from './context';
import { JmapMethodError } from './errors';
import { emailIdOf } from './ids';
import { currentVersions, decodeState, encodeState, type MailboxVersion } from './state';
import { checkAccount, type Args } from './util';

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
