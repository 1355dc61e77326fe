/**
 * Bringing a client's view of the selected mailbox up to date (RFC 9051 §7.5): expunges (only
 * where the protocol allows them), flag changes made elsewhere, new messages.
 */
import type { MailboxChanges } from '../../core/store/imap-view';
import { formatSequenceSet } from './format/strings';
import type { SelectedMailbox } from './selected';
import type { ImapSession } from './session';
import type { CommandResult } from './types';

/** What a report saw, for the listeners that run after it. */
export interface ReportedChanges {
  flags: { uid: number }[];
  expunged: number[];
  added: number[];
}

/** Runs after every report (CONTEXT=SEARCH/SORT updates, RFC 5267 §4.3; commands/context-updates.ts). */
export type ReportListener = (
  session: ImapSession,
  selected: SelectedMailbox,
  changes: ReportedChanges,
) => Promise<void>;

const reportListeners: ReportListener[] = [];

export function onChangesReported(listener: ReportListener): void {
  if (!reportListeners.includes(listener)) reportListeners.push(listener);
}

/** Says whether a session needs every report, even when nothing is known to have changed. */
export type ReportDemand = (session: ImapSession) => boolean;

const reportDemands: ReportDemand[] = [];

/** CONTEXT=SEARCH/SORT results follow the session's own changes too: they need the reports. */
export function onReportsWanted(demand: ReportDemand): void {
  if (!reportDemands.includes(demand)) reportDemands.push(demand);
}

export function reportsWanted(session: ImapSession): boolean {
  return reportDemands.some((demand) => demand(session));
}

/** Runs just before EXPUNGE/VANISHED is sent for `uids`, while their sequence numbers hold. */
export type ExpungeListener = (session: ImapSession, selected: SelectedMailbox, uids: number[]) => void;

const expungeListeners: ExpungeListener[] = [];

export function onExpungesReported(listener: ExpungeListener): void {
  if (!expungeListeners.includes(listener)) expungeListeners.push(listener);
}

/** Reports what changed in `selected` since the last report; BYE when the mailbox disappeared. */
export async function reportChanges(
  session: ImapSession,
  selected: SelectedMailbox,
  allowExpunge: boolean,
): Promise<void> {
  const changes = await session.services.view.changes(selected.id, selected.modseq, selected.maxUid);
  if (session.selected !== selected) return;
  if (!changes || changes.uidvalidity !== selected.mailbox.uidvalidity) {
    session.bye('Selected mailbox was deleted or renamed away');
    return;
  }
  await applyChanges(session, selected, changes, allowExpunge);
}

/**
 * Reports `changes` to the client and applies them to its view: what changes() read, or what the
 * session's own APPEND into the selected mailbox is known to have added (commands/append.ts).
 */
export async function applyChanges(
  session: ImapSession,
  selected: SelectedMailbox,
  changes: MailboxChanges,
  allowExpunge: boolean,
  /** The \Recent claim already made for `changes.added` (an APPEND's, commands/append.ts). */
  claimed?: { from: number; to: number },
): Promise<void> {
  for (const uid of changes.expunged) if (selected.has(uid)) selected.pendingExpunges.add(uid);
  if (allowExpunge && selected.pendingExpunges.size > 0)
    session.reportExpunges([...selected.pendingExpunges]);
  for (const change of changes.flags) {
    if (!selected.has(change.uid) || selected.pendingExpunges.has(change.uid)) continue;
    const own = selected.own.get(change.uid);
    if (own !== undefined && own >= change.modseq) continue;
    const item = session.flagsItem(change.uid, change.flags); // first: it may announce new keywords
    session.send(`${session.fetchStart(selected.seqOf(change.uid), change.uid)}${item}`);
    if (session.uidonly) {
      if (session.condstore) session.send(` MODSEQ (${change.modseq})`);
    } else if (session.qresync || session.condstore)
      session.send(` UID ${change.uid} MODSEQ (${change.modseq})`);
    // RFC 5465 §5.1: with NOTIFY, an unsolicited flag FETCH carries the UID.
    else if (session.notify.enabled) session.send(` UID ${change.uid}`);
    session.send(')\r\n');
  }
  selected.own.clear();
  if (changes.added.length > 0) {
    // A keyword new to this client is announced before the message that carries it (RFC 9051 §7.3.5).
    if (selected.unannounced(changes.addedKeywords).length > 0) session.announceFlags(selected);
    if (!session.rev2 && !selected.readOnly) {
      const claim = claimed ?? (await session.services.view.claimRecent(selected.id));
      for (const uid of changes.added) if (uid >= claim.from && uid < claim.to) selected.recent.add(uid);
    } else if (!session.rev2) {
      // Read-only: nothing is claimed, but what nobody has claimed is \Recent here too (RFC 3501 §2.3.2).
      for (const uid of changes.added) if (uid >= changes.recentUid) selected.recent.add(uid);
    }
    selected.add(changes.added);
    session.send(`* ${selected.exists} EXISTS\r\n`);
    if (!session.rev2) session.send(`* ${selected.recent.size} RECENT\r\n`);
  }
  selected.modseq = Math.max(selected.modseq, changes.highestmodseq);
  for (const listener of reportListeners) await listener(session, selected, changes);
}

/** EXPUNGE (or VANISHED with QRESYNC) for uids this client still knows; returns how many. */
export function reportExpunges(session: ImapSession, selected: SelectedMailbox, uids: number[]): number {
  const known = uids.filter((uid) => selected.has(uid)).sort((a, b) => a - b);
  if (known.length === 0) return 0;
  for (const listener of expungeListeners) listener(session, selected, known);
  if (session.qresync || session.uidonly) {
    // UIDONLY (RFC 9586 §3) reports expunges as VANISHED, as QRESYNC does.
    for (const uid of known) selected.remove(uid);
    session.send(`* VANISHED ${formatSequenceSet(known)}\r\n`);
    return known.length;
  }
  // Highest first, so each sequence number is still valid when the client applies it.
  for (let i = known.length - 1; i >= 0; i--) {
    const seq = selected.remove(known[i]);
    if (seq > 0) session.send(`* ${seq} EXPUNGE\r\n`);
  }
  return known.length;
}

/**
 * The tagged OK of a command that reported expunges under QRESYNC carries the mailbox's new
 * HIGHESTMODSEQ: required for EXPUNGE and UID EXPUNGE (RFC 7162 §3.2.7, §3.2.9) and MOVE (RFC 6851
 * §4.4), and sent as Dovecot does for any other command (NOOP, …) whose report included expunges,
 * since VANISHED carries no mod-sequence of its own. Every change up to that value has just been
 * reported.
 */
export function withHighestModseq(
  session: ImapSession,
  result: CommandResult,
  expungedBefore: number,
): CommandResult {
  const selected = session.selected;
  if (result.status !== 'OK' || result.code || !selected || !session.qresync) return result;
  if (session.expungesReported === expungedBefore) return result;
  return { ...result, code: `HIGHESTMODSEQ ${selected.modseq}` };
}
