/** editheader (RFC 5293). */
import { run } from './helpers';

describe('editheader', () => {
  it('addheader prepends (or appends with :last) and later tests see it', async () => {
    const r = await run(`require ["editheader","fileinto"];
      addheader "X-One" "1";
      addheader :last "X-Two" "zwei ü";
      if allof (exists "x-one", header :is "x-two" "zwei ü") { fileinto "seen"; }`);
    expect(r.actions[0]).toMatchObject({ type: 'fileinto', mailbox: 'seen' });
    const text = r.editedMessage!.toString();
    expect(text.startsWith('X-One: 1\r\nReturn-Path:')).toBe(true);
    expect(text).toContain('X-Two: zwei =?UTF-8?Q?=C3=BC?=\r\n\r\nHello there');
  });

  it('deleteheader removes all, by :index, or by value pattern', async () => {
    const r = await run(`require ["editheader","index"];
      addheader "X-A" "1"; addheader "X-A" "2";
      deleteheader :index 1 :last "x-a";
      deleteheader :matches "to" "*bob*";
      deleteheader "cc";`);
    const text = r.editedMessage!.toString();
    expect(text.match(/^X-A:/gm)).toEqual(['X-A:']);
    expect(text.startsWith('X-A: 2\r\n')).toBe(true);
    expect(text).not.toMatch(/^To:|^Cc:/m);
  });

  it('Received and Auto-Submitted are protected', async () => {
    const r = await run('require "editheader"; deleteheader "received"; addheader "Auto-Submitted" "no";');
    expect(r.editedMessage).toBeUndefined();
  });

  it('line breaks in an added value cannot inject fields', async () => {
    const r = await run('require "editheader"; addheader "X-A" "a\\r\\nBcc: evil@x.org";');
    expect(r.editedMessage!.toString()).not.toMatch(/^Bcc:/m);
    const r2 = await run('require "editheader"; addheader "X-A" text:\nline1\nBcc: evil@x.org\n.\n;');
    expect(r2.editedMessage!.toString()).not.toMatch(/^Bcc:/m);
  });

  it('no editedMessage when nothing changed', async () => {
    expect((await run('require "editheader"; deleteheader "x-nothing";')).editedMessage).toBeUndefined();
  });
});
