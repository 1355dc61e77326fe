/** vacation (RFC 5230) and vacation-seconds (RFC 6131). */
import { compileSieve } from '../../../core/sieve';
import { run } from './helpers';

describe('vacation', () => {
  it('defaults: 7 days, implicit keep stays, addresses include the account addresses', async () => {
    const r = await run('require "vacation"; vacation "I am away";');
    expect(r.actions).toEqual([
      {
        type: 'vacation',
        handle: 'I am away<default-subject><default-from><NO-MIME>',
        addresses: ['me@x.org'],
        mime: false,
        reason: 'I am away',
        seconds: 7 * 86400,
      },
      { type: 'keep', flags: [] },
    ]);
  });

  it('all tags (RFC 5230 §4 example), :days below 1 raised to 1', async () => {
    const r = await run(`require "vacation";
      vacation :days 0 :subject "Out" :from "me@x.org" :addresses ["alias@x.org", "ME@x.org"] :mime :handle "h1"
        "Content-Type: text/plain\\r\\n\\r\\nAway";`);
    expect(r.actions[0]).toEqual({
      type: 'vacation',
      handle: 'h1',
      subject: 'Out',
      from: 'me@x.org',
      addresses: ['alias@x.org', 'ME@x.org'],
      mime: true,
      reason: 'Content-Type: text/plainrnrnAway',
      seconds: 86400,
    });
  });

  it(':seconds (RFC 6131) is taken as given, 0 included', async () => {
    const r = await run('require "vacation-seconds"; vacation :seconds 0 "x";');
    expect(r.actions[0]).toMatchObject({ type: 'vacation', seconds: 0 });
  });

  it(':seconds needs vacation-seconds; :days and :seconds exclude each other', () => {
    expect(compileSieve('require "vacation"; vacation :seconds 60 "x";').ok).toBe(false);
    expect(compileSieve('require "vacation-seconds"; vacation :days 1 :seconds 60 "x";').ok).toBe(false);
  });

  it('a second vacation is a runtime error', async () => {
    const r = await run('require "vacation"; vacation "a"; vacation "b";');
    expect(r.error).toMatch(/vacation/);
  });
});
