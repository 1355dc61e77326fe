/** spamtest, spamtestplus, virustest (RFC 5235). */
import { compileSieve } from '../../../core/sieve';
import { folders, run } from './helpers';

const SPAM = `require ["spamtest","relational","comparator-i;ascii-numeric","fileinto"];
  if spamtest :value "eq" :comparator "i;ascii-numeric" "0" { fileinto "untested"; }
  elsif spamtest :value "ge" :comparator "i;ascii-numeric" "5" { fileinto "Junk"; }
  else { fileinto "ham"; }`;

describe('spamtest / virustest', () => {
  it.each([
    [undefined, 'untested'],
    [0, 'ham'],
    [4.4, 'ham'],
    [5, 'Junk'],
    [42, 'Junk'],
  ])('spamScore %p → %s', async (spamScore, box) => {
    expect(folders(await run(SPAM, { spamScore }))).toEqual([box]);
  });

  it('spamtestplus :percent: 0..100, untested makes the test false', async () => {
    const text = `require ["spamtestplus","relational","comparator-i;ascii-numeric","fileinto"];
      if spamtest :percent :value "ge" :comparator "i;ascii-numeric" "80" { fileinto "Junk"; }
      if spamtest :percent :count "eq" :comparator "i;ascii-numeric" "0" { fileinto "untested"; }`;
    expect(folders(await run(text, { spamScore: 8.5 }))).toEqual(['Junk']);
    expect(folders(await run(text))).toEqual(['untested']);
    expect(compileSieve('require "spamtest"; if spamtest :percent "1" { keep; }').ok).toBe(false);
  });

  it('virustest: 0 untested, 1 clean .. 5 infected', async () => {
    const text = `require ["virustest","relational","comparator-i;ascii-numeric","fileinto"];
      if virustest :value "eq" :comparator "i;ascii-numeric" "0" { fileinto "untested"; }
      elsif virustest :value "ge" :comparator "i;ascii-numeric" "4" { discard; }
      else { fileinto "clean"; }`;
    expect(folders(await run(text))).toEqual(['untested']);
    expect(folders(await run(text, { virusScore: 0 }))).toEqual(['clean']);
    expect((await run(text, { virusScore: 5 })).actions).toEqual([{ type: 'discard' }]);
  });
});
