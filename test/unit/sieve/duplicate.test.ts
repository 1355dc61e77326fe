/** duplicate (RFC 7352). */
import { createHash } from 'node:crypto';
import { folders, run } from './helpers';

const key = (handle: string, id: string): string =>
  createHash('sha256').update(`${handle}\0${id}`).digest('hex');

describe('duplicate', () => {
  it('first sighting: false, and the Message-ID key is returned for the caller to record', async () => {
    const r = await run('require ["duplicate","fileinto"]; if duplicate { fileinto "Dupes"; }');
    expect(folders(r)).toEqual(['INBOX']);
    expect(r.duplicates).toEqual([{ key: key('', '<m1@example.com>'), seconds: 7 * 86400 }]);
  });

  it('a seen id is a duplicate and is not re-recorded without :last', async () => {
    const seen = new Set([key('', '<m1@example.com>')]);
    const r = await run('require ["duplicate"]; if duplicate { discard; }', {
      duplicateSeen: async (k) => seen.has(k),
    });
    expect(r.actions).toEqual([{ type: 'discard' }]);
    expect(r.duplicates).toEqual([]);
    const last = await run('require ["duplicate"]; if duplicate :last { discard; }', {
      duplicateSeen: async (k) => seen.has(k),
    });
    expect(last.duplicates).toHaveLength(1);
  });

  it(':handle, :header, :uniqueid and :seconds (RFC 7352 §3 examples)', async () => {
    const r = await run(
      `require ["duplicate","variables"];
       if duplicate :handle "h" :header "subject" :seconds 60 { discard; }
       if duplicate :uniqueid "abc" { discard; }`,
    );
    expect(r.duplicates).toEqual([
      { key: key('h', '=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the meeting'), seconds: 60 },
      { key: key('', 'abc'), seconds: 7 * 86400 },
    ]);
  });

  it('the same id twice in one run is a duplicate the second time', async () => {
    const r = await run(
      'require ["duplicate","fileinto"]; if duplicate { discard; } if duplicate { fileinto "second"; }',
    );
    expect(folders(r)).toEqual(['second']);
  });

  it('no Message-ID: never a duplicate, nothing recorded', async () => {
    const r = await run('require "duplicate"; if duplicate { discard; }', {
      message: Buffer.from('Subject: x\r\n\r\nhi'),
    });
    expect(r.duplicates).toEqual([]);
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });
});
