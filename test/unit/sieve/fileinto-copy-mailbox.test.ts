/** fileinto (RFC 5228 §4.1), copy (RFC 3894), mailbox (RFC 5490) and mailboxid (RFC 9042). */
import { folders, run } from './helpers';

describe('fileinto, copy, mailbox, mailboxid', () => {
  it('fileinto cancels the implicit keep; :copy does not', async () => {
    expect(folders(await run('require "fileinto"; fileinto "A";'))).toEqual(['A']);
    expect(folders(await run('require ["fileinto","copy"]; fileinto :copy "A";'))).toEqual(['A', 'INBOX']);
  });

  it('redirect :copy keeps the implicit keep (RFC 3894 §3)', async () => {
    const r = await run('require "copy"; redirect :copy "boss@x.org";');
    expect(r.actions).toEqual([
      { type: 'redirect', address: 'boss@x.org', copy: true },
      { type: 'keep', flags: [] },
    ]);
  });

  it('fileinto :create and mailboxexists (RFC 5490 §3, §4)', async () => {
    const r = await run(`require ["fileinto","mailbox"];
      if mailboxexists ["INBOX", "Work"] { fileinto :create "Projects/New"; }
      if mailboxexists "Nope" { discard; }`);
    expect(r.actions).toEqual([
      { type: 'fileinto', mailbox: 'Projects/New', create: true, copy: false, flags: [] },
    ]);
  });

  it('fileinto :mailboxid and mailboxidexists (RFC 9042)', async () => {
    const r = await run(
      `require ["fileinto","mailboxid"];
       if mailboxidexists "F123" { fileinto :mailboxid "F123" "Archive"; }
       if mailboxidexists "F999" { discard; }`,
      { mailboxIdExists: async (id) => id === 'F123' },
    );
    expect(r.actions).toEqual([
      { type: 'fileinto', mailbox: 'Archive', mailboxId: 'F123', create: false, copy: false, flags: [] },
    ]);
  });

  it('mailboxidexists is false when the environment cannot look ids up', async () => {
    const r = await run('require ["mailboxid"]; if mailboxidexists "F1" { discard; }');
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('the same fileinto twice files once (RFC 5228 §2.10.3)', async () => {
    expect(folders(await run('require "fileinto"; fileinto "A"; fileinto "A";'))).toEqual(['A']);
  });
});
