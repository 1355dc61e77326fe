/** date and index (RFC 5260). */
import { compileSieve } from '../../../core/sieve';
import { folders, run } from './helpers';

describe('date and index', () => {
  it('date parts in the original zone, in a :zone, and in the environment zone', async () => {
    const r = await run(`require ["date","variables","fileinto"];
      if date :originalzone :matches "date" "std11" "*" { fileinto "orig/\${1}"; }
      if date :zone "+0100" :matches "date" "iso8601" "*" { fileinto "cet/\${1}"; }
      if date :matches "date" "date" "*" { fileinto "env/\${1}"; }
      if date :originalzone "date" "weekday" "3" { fileinto "wednesday"; }
      if date :zone "+0000" "date" "julian" "61377" { fileinto "mjd"; }`);
    expect(folders(r)).toEqual([
      'orig/Wed, 02 Dec 2026 23:30:15 -0500',
      'cet/2026-12-03T05:30:15+01:00',
      'env/2026-12-03',
      'wednesday',
      'mjd',
    ]);
  });

  it('currentdate uses env.now in env.timezone (IANA names too)', async () => {
    const r = await run(
      `require ["date","relational","variables","fileinto"];
       if currentdate :matches "zone" "*" { fileinto "\${1}"; }
       if currentdate :value "ge" "date" "2026-12-03" { fileinto "today"; }`,
      { timezone: 'Europe/Berlin' },
    );
    expect(folders(r)).toEqual(['+0100', 'today']);
  });

  it('Received dates are read after the last ";"; :index picks occurrences (RFC 5260 §6)', async () => {
    const r = await run(`require ["date","index","variables","fileinto"];
      if date :index 2 :zone "+0000" :matches "received" "time" "*" { fileinto "second/\${1}"; }
      if header :index 1 :last :matches "received" "from * by*" { fileinto "last/\${1}"; }`);
    expect(folders(r)).toEqual(['second/08:59:00', 'last/c.example']);
  });

  it('an unparsable or missing date makes the test false', async () => {
    const r = await run('require "date"; if date "x-count" "year" "17" { discard; }');
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('invalid zone / date part / :last without :index are compile errors', () => {
    expect(compileSieve('require "date"; if date :zone "CET" "date" "year" "x" { keep; }').ok).toBe(false);
    expect(compileSieve('require "date"; if date "date" "century" "x" { keep; }').ok).toBe(false);
    expect(compileSieve('require "index"; if header :last "a" "b" { keep; }').ok).toBe(false);
  });
});
