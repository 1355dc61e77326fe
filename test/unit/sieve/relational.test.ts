/** relational (RFC 5231) with i;ascii-numeric (RFC 4790 §9.1). */
import { compareValues } from '../../../core/sieve/match';
import { folders, run } from './helpers';

describe('relational', () => {
  it(':value with ascii-numeric and with the default comparator (RFC 5231 §6 examples)', async () => {
    const r = await run(`require ["relational","comparator-i;ascii-numeric","fileinto"];
      if header :value "gt" :comparator "i;ascii-numeric" "x-count" "9" { fileinto "numeric"; }
      if header :value "lt" "x-count" "9" { fileinto "text"; }
      if header :value "ne" :comparator "i;ascii-numeric" "x-count" "017" { fileinto "never"; }`);
    expect(folders(r)).toEqual(['numeric', 'text']);
  });

  it(':count counts header values and addresses', async () => {
    const r = await run(`require ["relational","comparator-i;ascii-numeric","fileinto"];
      if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "3" { fileinto "three"; }
      if header :count "ge" :comparator "i;ascii-numeric" "received" "2" { fileinto "hops"; }
      if header :count "eq" :comparator "i;ascii-numeric" "x-none" "0" { fileinto "zero"; }`);
    expect(folders(r)).toEqual(['three', 'hops', 'zero']);
  });

  it('ascii-numeric: leading digits count, no digits is positive infinity', () => {
    expect(compareValues('i;ascii-numeric', '10abc', '9')).toBeGreaterThan(0);
    expect(compareValues('i;ascii-numeric', 'abc', '99999')).toBeGreaterThan(0);
    expect(compareValues('i;ascii-numeric', 'x', 'y')).toBe(0);
    expect(compareValues('i;ascii-numeric', '007', '7')).toBe(0);
  });
});
