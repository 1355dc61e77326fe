/** Sieve actions to a delivery plan: implicit keep, the redirect cap, reject and discard. */
import { inboxPlan, planFromResult } from '../../../core/sieve/delivery/plan';
import type { SieveAction } from '../../../core/sieve/types';

const message = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
const limits = { maxRedirects: 2 };
const plan = (actions: SieveAction[], extra: { error?: string; editedMessage?: Buffer } = {}) =>
  planFromResult({ actions, duplicates: [], ...extra }, message, limits);

describe('planFromResult', () => {
  it('keeps in INBOX when no action took the message anywhere', () => {
    expect(plan([]).folders).toEqual([{ name: 'INBOX', flags: [], create: false }]);
    expect(
      plan([{ type: 'fileinto', mailbox: 'A', create: false, copy: true, flags: [] }]).folders.map(
        (f) => f.name,
      ),
    ).toEqual(['A', 'INBOX']);
  });

  it('files with flags and without the implicit keep', () => {
    const p = plan([
      { type: 'fileinto', mailbox: 'Lists', create: true, copy: false, flags: ['\\Seen', '$Work'] },
    ]);
    expect(p.folders).toEqual([{ name: 'Lists', flags: ['\\Seen', '$Work'], create: true }]);
    expect(p.discard).toBe(false);
  });

  it('merges the flags of two actions on the same folder into one copy', () => {
    const p = plan([
      { type: 'keep', flags: ['\\Flagged'] },
      { type: 'fileinto', mailbox: 'INBOX', create: false, copy: false, flags: ['\\Seen'] },
    ]);
    expect(p.folders).toEqual([{ name: 'INBOX', flags: ['\\Flagged', '\\Seen'], create: false }]);
  });

  it('caps redirects and tells the user about the ones skipped', () => {
    const p = plan(
      ['a@x.test', 'b@x.test', 'A@x.test', 'c@x.test'].map((address) => ({
        type: 'redirect' as const,
        address,
        copy: false,
      })),
    );
    expect(p.redirects).toEqual(['a@x.test', 'b@x.test']);
    expect(p.folders).toEqual([]);
    expect(p.notice).toMatch(/c@x\.test skipped/);
  });

  it('redirect :copy keeps the message too', () => {
    const p = plan([{ type: 'redirect', address: 'a@x.test', copy: true }]);
    expect(p.redirects).toEqual(['a@x.test']);
    expect(p.folders.map((f) => f.name)).toEqual(['INBOX']);
  });

  it('reject stores nothing; discard stores nothing', () => {
    const r = plan([{ type: 'reject', reason: 'no thanks', extended: false }]);
    expect(r.reject).toEqual({ reason: 'no thanks' });
    expect(r.folders).toEqual([]);
    const d = plan([{ type: 'discard' }]);
    expect(d.discard).toBe(true);
    expect(d.folders).toEqual([]);
  });

  it('a runtime error is INBOX with the original message and a notice', () => {
    const p = plan([{ type: 'keep', flags: [] }], {
      error: 'too many steps',
      editedMessage: Buffer.from('x'),
    });
    expect(p).toEqual(inboxPlan(message, 'too many steps'));
  });

  it('uses the edited message when editheader changed it', () => {
    const edited = Buffer.from('X-Tag: 1\r\nSubject: hi\r\n\r\nbody\r\n');
    expect(plan([], { editedMessage: edited }).message).toBe(edited);
  });
});
