/** reject and ereject (RFC 5429) and their conflicts. */
import { run } from './helpers';

describe('reject / ereject', () => {
  it('reject cancels the implicit keep', async () => {
    const r = await run('require "reject"; reject "no thanks";');
    expect(r.actions).toEqual([{ type: 'reject', reason: 'no thanks', extended: false }]);
  });

  it('ereject is marked extended', async () => {
    const r = await run('require "ereject"; ereject "go away";');
    expect(r.actions).toEqual([{ type: 'reject', reason: 'go away', extended: true }]);
  });

  it.each([
    ['require ["reject","fileinto"]; fileinto "A"; reject "x";'],
    ['require ["reject"]; keep; reject "x";'],
    ['require ["reject"]; reject "x"; redirect "a@b.org";'],
    ['require ["reject","copy"]; redirect :copy "a@b.org"; reject "x";'],
    ['require ["reject","vacation"]; vacation "away"; reject "x";'],
    ['require ["reject","ereject"]; reject "x"; ereject "y";'],
  ])('%s is a runtime error that keeps the message (RFC 5429 §2.1)', async (text) => {
    const r = await run(text);
    expect(r.error).toMatch(/conflicts/);
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('reject with discard is allowed', async () => {
    const r = await run('require "reject"; discard; reject "x";');
    expect(r.error).toBeUndefined();
  });
});
