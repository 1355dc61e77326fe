/** imap4flags (RFC 5232). */
import { run } from './helpers';

describe('imap4flags', () => {
  it('the internal variable applies to the implicit keep and to actions without :flags', async () => {
    const r = await run(`require ["imap4flags","fileinto"];
      setflag "\\\\Seen \\\\Answered";
      addflag ["$Work", "\\\\seen"];
      removeflag "\\\\answered";
      fileinto "A";
      fileinto :flags "\\\\Flagged" "B";
      keep;`);
    expect(r.actions).toEqual([
      { type: 'fileinto', mailbox: 'A', create: false, copy: false, flags: ['\\Seen', '$Work'] },
      { type: 'fileinto', mailbox: 'B', create: false, copy: false, flags: ['\\Flagged'] },
      { type: 'keep', flags: ['\\Seen', '$Work'] },
    ]);
  });

  it('hasflag on the internal variable and on a named variable (RFC 5232 §4 example)', async () => {
    const r = await run(`require ["imap4flags","variables","fileinto"];
      addflag "MyFlags" "\\\\Deleted $Junk";
      addflag "$Spam";
      if hasflag :is "$spam" { fileinto "internal"; }
      if hasflag :contains "MyFlags" "junk" { fileinto "named"; }
      if hasflag "\\\\Deleted" { fileinto "never"; }`);
    expect(r.actions.map((a) => (a.type === 'fileinto' ? a.mailbox : a.type))).toEqual(['internal', 'named']);
  });

  it('implicit keep carries the flags', async () => {
    const r = await run('require "imap4flags"; addflag "\\\\Flagged";');
    expect(r.actions).toEqual([{ type: 'keep', flags: ['\\Flagged'] }]);
  });
});
