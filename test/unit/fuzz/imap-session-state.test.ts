/**
 * Per-session state of a selected mailbox and the UIDONLY gate: examples, then fast-check
 * properties. Keywords are announced once each (case-insensitively), system flags never, and
 * the FLAGS list keeps the system flags first without duplicates; uidRequired() refuses exactly
 * the non-UID forms of commands that have a UID form (except plain EXPUNGE) once UIDONLY is on.
 */
import fc from 'fast-check';
import { SYSTEM_FLAGS } from '../../../containers/imap/parser/grammar';
import { COMMON_KEYWORDS, SelectedMailbox } from '../../../containers/imap/selected';
import { uidRequired } from '../../../containers/imap/uidonly';
import type { MailboxRow } from '../../../core/store/mailbox-store';

const SEED = 20261203;
const RUNS = 300;

const mailbox: MailboxRow = {
  id: 1,
  account_id: 1,
  name: 'INBOX',
  special_use: null,
  subscribed: true,
  uidvalidity: 1,
  uidnext: 1,
  highestmodseq: 1,
  message_count: 0,
  unseen_count: 0,
};

const selected = (keywords: string[] = []): SelectedMailbox =>
  new SelectedMailbox(mailbox, false, [], 1, keywords);

describe('keywords announced in FLAGS (RFC 9051 §7.3.5)', () => {
  it('starts with the system flags, the common keywords and the mailbox keywords', () => {
    const s = selected(['$Blue', '$blue', 'Work']);
    expect(s.flagList).toEqual([...SYSTEM_FLAGS, ...COMMON_KEYWORDS, '$Blue', 'Work']);
  });

  it('reports a keyword once, whatever its case, and never a system flag', () => {
    const s = selected();
    expect(s.unannounced(['\\Seen', '$Green'])).toEqual(['$Green']);
    expect(s.unannounced(['$GREEN', '\\Flagged', '$junk'])).toEqual([]);
    expect(s.unannounced(['a', 'b', 'A'])).toEqual(['a', 'b']);
    expect(s.flagList.slice(-3)).toEqual(['$Green', 'a', 'b']);
  });

  const keyword = fc.stringMatching(/^[A-Za-z$][A-Za-z0-9$_-]{0,8}$/);
  const flag = fc.oneof(keyword, fc.constantFrom(...SYSTEM_FLAGS));

  it('property: every keyword is announced exactly once; FLAGS has no duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(keyword, { maxLength: 5 }),
        fc.array(fc.array(flag, { maxLength: 6 })),
        (initial, batches) => {
          const s = selected(initial);
          const seen = new Set(s.flagList.map((f) => f.toLowerCase()));
          for (const batch of batches) {
            const fresh = s.unannounced(batch);
            for (const f of fresh) {
              expect(f.startsWith('\\')).toBe(false);
              expect(seen.has(f.toLowerCase())).toBe(false);
              seen.add(f.toLowerCase());
            }
            for (const f of batch) expect(seen.has(f.toLowerCase())).toBe(true);
          }
          const list = s.flagList;
          expect(list.slice(0, SYSTEM_FLAGS.length)).toEqual(SYSTEM_FLAGS);
          expect(new Set(list.map((f) => f.toLowerCase())).size).toBe(list.length);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('UIDONLY gate (RFC 9586 §3)', () => {
  it.each([
    ['FETCH', true, false, true],
    ['STORE', true, false, true],
    ['SEARCH', true, false, true],
    ['FETCH', true, true, false],
    ['EXPUNGE', true, false, false],
    ['NOOP', false, false, false],
  ])('%s (UID form exists: %s, given with UID: %s) refused: %s', (name, takesUid, uid, refused) => {
    const result = uidRequired(true, name, takesUid, uid);
    expect(result !== null).toBe(refused);
    if (result) expect(result).toMatchObject({ status: 'BAD', code: 'UIDREQUIRED' });
    expect(uidRequired(false, name, takesUid, uid)).toBeNull();
  });

  it('property: refused exactly when UIDONLY is on and a UID command comes without UID (not EXPUNGE)', () => {
    const name = fc.oneof(
      fc.constantFrom('FETCH', 'STORE', 'COPY', 'MOVE', 'SEARCH', 'SORT', 'THREAD', 'EXPUNGE', 'REPLACE'),
      fc.stringMatching(/^[A-Z]{1,10}$/),
    );
    fc.assert(
      fc.property(fc.boolean(), name, fc.boolean(), fc.boolean(), (on, command, takesUid, uid) => {
        const result = uidRequired(on, command, takesUid, uid);
        const expected = on && takesUid && !uid && command !== 'EXPUNGE';
        expect(result !== null).toBe(expected);
        if (result) expect(result.code).toBe('UIDREQUIRED');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
