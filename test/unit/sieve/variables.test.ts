/** variables (RFC 5229). */
import { compileSieve } from '../../../core/sieve';
import { folders, run } from './helpers';

describe('variables', () => {
  it('set, references, and unknown names expanding to ""', async () => {
    const r = await run(`require ["variables","fileinto"];
      set "a" "x"; set "B" "\${a}y";
      fileinto "\${b}-\${nope}-\${a";`);
    expect(folders(r)).toEqual(['xy--${a']);
  });

  it('modifiers apply by precedence (RFC 5229 §4.1 examples)', async () => {
    const r = await run(`require ["variables","fileinto"];
      set "a" "juMBlEd lETteRS";
      set :length "b" "\${a}";
      set :lower "c" "\${a}";
      set :upperfirst "d" "\${a}";
      set :upperfirst :lower "e" "\${a}";
      set :quotewildcard "f" "Rock*";
      fileinto "\${b}|\${c}|\${d}|\${e}|\${f}";`);
    expect(folders(r)).toEqual(['15|jumbled letters|JuMBlEd lETteRS|Jumbled letters|Rock\\*']);
  });

  it(':matches fills ${0}..${N} (RFC 5229 §3.2 example)', async () => {
    const r = await run(`require ["variables","fileinto"];
      if header :matches "From" "* <*@*>" { fileinto "\${0}|\${1}|\${2}|\${3}"; }`);
    expect(folders(r)).toEqual([
      'Alice Example <alice+work@example.com>|Alice Example|alice+work|example.com',
    ]);
  });

  it('match variables survive a failed match', async () => {
    const r = await run(`require ["variables","fileinto"];
      if header :matches "subject" "*meeting" { set "x" "\${1}"; }
      if header :matches "subject" "nothing*" { discard; }
      fileinto "\${1}";`);
    expect(folders(r)).toEqual(['Grüße from the ']);
  });

  it('string test with :count counts non-empty strings (RFC 5229 §5)', async () => {
    const r = await run(`require ["variables","fileinto","relational","comparator-i;ascii-numeric"];
      set "e" "";
      if string :count "eq" :comparator "i;ascii-numeric" ["\${e}", "a", "b"] "2" { fileinto "two"; }
      if string :is "\${e}" "" { fileinto "empty"; }`);
    expect(folders(r)).toEqual(['two', 'empty']);
  });

  it('set rejects a bad variable name and two modifiers of one precedence', () => {
    expect(compileSieve('require "variables"; set "1a" "x";').ok).toBe(false);
    expect(compileSieve('require "variables"; set :lower :upper "a" "x";').ok).toBe(false);
  });

  it('values are capped at 4096 characters', async () => {
    const r = await run(`require ["variables","fileinto"];
      set "a" "${'x'.repeat(3000)}"; set "b" "\${a}\${a}"; set :length "n" "\${b}"; fileinto "\${n}";`);
    expect(folders(r)).toEqual(['4096']);
  });
});
