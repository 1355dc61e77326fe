import type { ListDeps } from '../deps';
import { ListStore } from '../list-store';
import { sendNotice } from '../notices';
import type { BounceHandler, MailingList } from '../types';
import { classifyBounce } from './classify';
import { nextBounceState } from './score';

interface MemberBounceRow {
  id: string | number;
  address: string;
  bounce_score: number;
  last_bounce_at: Date | string | null;
  disabled_reason: string | null;
}

/**
 * L1's BounceHandler: a message to LIST-bounces+<member>@ (or to the plain -bounces address,
 * the member then read from the DSN) raises the member's score; at the threshold delivery to
 * the member stops (disabled_reason = 'bounces') and the owners and the member are told.
 * The score changes in one short transaction with the member row locked (two bounces racing on
 * two nodes count once per day, as they would one after the other).
 */
export function createBounceHandler(deps: ListDeps): BounceHandler {
  return {
    async handle(list, memberAddress, body) {
      const verdict = classifyBounce(body);
      if (verdict.kind === 'ignore') return;
      const candidates = memberAddress ? [memberAddress.toLowerCase()] : verdict.recipients;
      for (const address of candidates.slice(0, 10)) {
        const disabled = await score(deps, list, address, verdict.kind);
        if (disabled) await notify(deps, list, disabled);
      }
    },
  };
}

async function score(
  deps: ListDeps,
  list: MailingList,
  address: string,
  kind: 'hard' | 'soft',
): Promise<{ id: string; address: string; score: number } | null> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const rows = await tx.query<MemberBounceRow>(
      `SELECT id, address, bounce_score, last_bounce_at, disabled_reason FROM list_members
       WHERE list_id = $1 AND address = $2 FOR UPDATE`,
      [list.id, address.trim().toLowerCase()],
    );
    const row = rows.rows[0];
    if (!row || row.disabled_reason !== null) return null;
    const result = nextBounceState(
      {
        score: Number(row.bounce_score),
        lastBounceAt: row.last_bounce_at ? new Date(row.last_bounce_at) : null,
      },
      kind,
      now,
      deps.settings,
    );
    if (!result.counted && !result.disable) return null;
    await tx.query(
      `UPDATE list_members SET bounce_score = $2, last_bounce_at = $3, disabled_reason = $4 WHERE id = $1`,
      [row.id, result.state.score, result.state.lastBounceAt, result.disable ? 'bounces' : null],
    );
    return result.disable ? { id: String(row.id), address: row.address, score: result.state.score } : null;
  });
}

async function notify(
  deps: ListDeps,
  list: MailingList,
  member: { id: string; address: string; score: number },
): Promise<void> {
  const owners = await new ListStore(deps.db).roles(list.id, 'owner');
  const cause = { queueId: `LB${list.id}-${member.id}-${deps.now().toISOString().slice(0, 10)}`, tag: '' };
  const owner = `${list.address.slice(0, list.address.lastIndexOf('@'))}-owner${list.address.slice(list.address.lastIndexOf('@'))}`;
  if (owners.length > 0) {
    await sendNotice(
      deps,
      list,
      {
        from: owner,
        to: owners,
        subject: `${member.address} disabled on ${list.address} (bounces)`,
        text:
          `Delivery of ${list.address} to ${member.address} has stopped: its bounce score reached ` +
          `${member.score} (threshold ${deps.settings.bounceScoreThreshold}).\n` +
          `The member stays subscribed; re-enable it once the address works again.\n`,
        autoSubmitted: 'auto-generated',
      },
      { ...cause, tag: 'owners' },
    );
  }
  await sendNotice(
    deps,
    list,
    {
      from: owner,
      to: [member.address],
      subject: `Your membership of ${list.address} is disabled`,
      text:
        `Mail from ${list.address} to you kept bouncing, so delivery has stopped.\n` +
        `Your subscription is kept; ask ${owner} to re-enable it, or subscribe again.\n`,
      autoSubmitted: 'auto-generated',
      replyTo: owner,
    },
    { ...cause, tag: 'member' },
  );
}
