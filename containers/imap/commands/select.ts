/** SELECT / EXAMINE (RFC 9051 §6.3.2, CONDSTORE and QRESYNC parameters, RFC 7162). */
import { parseMailbox, parseSequenceSet, type SequenceSet } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import { formatSequenceSet, mailboxName } from '../format/strings';
import { mailboxIdOf } from '../../../core/jmap/ids';
import { SelectedMailbox } from '../selected';
import { bad, ok } from '../types';
import { UidRequiredError } from '../uidonly';
import type { Handler } from './context';
import { isResult, openMailbox, permittedFlags, selectedRights, selectedWith } from './access';
import { writable } from '../../../core/store/mailbox-access';

interface Qresync {
  uidvalidity: number;
  modseq: number;
  knownUids: SequenceSet | null;
}

function expand(set: SequenceSet, max: number): (uid: number) => boolean {
  return (uid) =>
    set.ranges.some(([a, b]) => {
      const from = a === -1 ? max : a;
      const to = b === -1 ? max : b;
      return uid >= Math.min(from, to) && uid <= Math.max(from, to);
    });
}

export const select: Handler = async (s, { name: command, t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  let condstore = false;
  let qresync = null as Qresync | null;
  if (!t.atEnd) {
    t.sp();
    t.list(() => {
      const param = t.atom().toUpperCase();
      if (param === 'CONDSTORE') condstore = true;
      else if (param === 'QRESYNC') {
        t.sp();
        t.expect('(');
        const uidvalidity = t.nzNumber();
        t.sp();
        const modseq = t.number();
        let knownUids: SequenceSet | null = null;
        if (t.accept(' ')) {
          if (t.peek() !== 0x28) {
            knownUids = parseSequenceSet(t);
            t.accept(' ');
          }
          if (t.peek() === 0x28) {
            // seq-match-data: (known sequence set, known uid set); only used to narrow the diff.
            if (s.uidonly) throw new UidRequiredError('seq-match-data names sequence numbers (UIDONLY)');
            t.expect('(');
            parseSequenceSet(t);
            t.sp();
            parseSequenceSet(t);
            t.expect(')');
          }
        }
        t.expect(')');
        qresync = { uidvalidity, modseq, knownUids };
      } else throw new ParseError(`Unknown ${command} parameter ${param}`);
    });
  }
  t.end();
  if (qresync && !s.qresync) return bad('QRESYNC must be enabled first');
  const hadSelection = s.selected !== null;
  s.deselect();
  if (hadSelection) s.send('* OK [CLOSED] Previous mailbox closed\r\n');
  if (condstore) s.enabled.add('CONDSTORE');
  const found = await openMailbox(s, name, 'r');
  if (isResult(found)) return found;
  const mailbox = found.mailbox;
  const readOnly = command === 'EXAMINE' || !writable(found.rights);
  const view = s.services.view;
  const state = await view.state(mailbox.id);
  const uids = await view.uids(mailbox.id);
  const selected = new SelectedMailbox(
    mailbox,
    readOnly,
    uids,
    state?.highestmodseq ?? mailbox.highestmodseq,
    await view.keywords(mailbox.id),
  );
  let recent = 0;
  if (!readOnly && !s.rev2 && state && state.recentUid < state.uidnext) {
    const claim = await view.claimRecent(mailbox.id);
    for (const uid of uids) if (uid >= claim.from && uid < claim.to) selected.recent.add(uid);
    recent = selected.recent.size;
  } else if (readOnly && !s.rev2 && state) {
    // EXAMINE does not claim (RFC 3501 §6.3.2), but this session is among the first to be told
    // about the unclaimed messages, so they are \Recent in its view (§2.3.2), as in Dovecot's.
    for (const uid of uids) if (uid >= state.recentUid) selected.recent.add(uid);
    recent = selected.recent.size;
  }
  s.selected = selected;
  selectedWith(s, selected, found);
  s.state = 'selected';
  s.send(`* FLAGS (${selected.flagList.join(' ')})\r\n`);
  s.send(`* ${selected.exists} EXISTS\r\n`);
  if (!s.rev2) {
    s.send(`* ${recent} RECENT\r\n`);
    const firstUnseen = await view.firstUnseen(mailbox.id);
    // [UNSEEN] is a sequence number: not under UIDONLY (RFC 9586 §3).
    if (firstUnseen !== null && selected.seqOf(firstUnseen) > 0 && !s.uidonly) {
      s.send(`* OK [UNSEEN ${selected.seqOf(firstUnseen)}] First unseen\r\n`);
    }
  }
  s.send(`* OK [UIDVALIDITY ${mailbox.uidvalidity}] UIDs valid\r\n`);
  s.send(`* OK [UIDNEXT ${state?.uidnext ?? mailbox.uidnext}] Predicted next UID\r\n`);
  s.send(
    readOnly
      ? '* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n'
      : `* OK [PERMANENTFLAGS (${permittedFlags(selectedRights(selected), [...selected.flagList, '\\*']).join(' ')})] Flags permitted\r\n`,
  );
  s.send(`* OK [HIGHESTMODSEQ ${selected.modseq}] Highest\r\n`);
  s.send(`* OK [MAILBOXID (${mailboxIdOf(mailbox.id)})] Ok\r\n`); // OBJECTID, RFC 8474 §4.2
  if (s.rev2) {
    const attrs = mailbox.special_use ? ` ${mailbox.special_use}` : '';
    s.send(`* LIST (${attrs.trim()}) "/" `, mailboxName(found.name, s.utf8), '\r\n');
  }
  if (qresync && qresync.uidvalidity === mailbox.uidvalidity) {
    const q: Qresync = qresync;
    const inKnown = q.knownUids ? expand(q.knownUids, selected.maxUid) : () => true;
    const vanished = (await view.vanishedSince(mailbox.id, q.modseq)).filter(inKnown);
    if (vanished.length > 0) s.send(`* VANISHED (EARLIER) ${formatSequenceSet(vanished)}\r\n`);
    const changed = await view.messages(mailbox.id, selected.uids, { changedSince: q.modseq });
    for (const row of changed) {
      if (!inKnown(row.uid)) continue;
      const flags = s.flagsItem(row.uid, row.flags);
      const uid = s.uidonly ? '' : `UID ${row.uid} `;
      s.send(`${s.fetchStart(selected.seqOf(row.uid), row.uid)}${uid}${flags} MODSEQ (${row.modseq}))\r\n`);
      await s.maybeFlush();
    }
  }
  return ok(`${command} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
};
