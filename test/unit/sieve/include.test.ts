/** include, return, global (RFC 6609). */
import { compileSieve, type SieveScript } from '../../../core/sieve';
import { folders, run } from './helpers';

function loader(scripts: Record<string, string>) {
  return async (name: string, location: 'personal' | 'global'): Promise<SieveScript | null> => {
    const text = scripts[`${location}:${name}`];
    if (text === undefined) return null;
    const r = compileSieve(text);
    if (!r.ok) throw new Error(r.error.message);
    return r.script;
  };
}

describe('include', () => {
  it('runs personal and global scripts; actions accumulate; one implicit keep', async () => {
    const r = await run('require ["include","fileinto"]; include "a"; include :global "b";', {
      loadInclude: loader({
        'personal:a': 'require "fileinto"; fileinto "A";',
        'global:b': 'require ["imap4flags"]; addflag "$G";',
      }),
    });
    expect(r.actions).toEqual([{ type: 'fileinto', mailbox: 'A', create: false, copy: false, flags: [] }]);
  });

  it('return leaves only the included script; stop ends everything (RFC 6609 §3.2)', async () => {
    const scripts = loader({
      'personal:ret': 'require ["include","fileinto"]; fileinto "R"; return; fileinto "never";',
      'personal:stop': 'require "fileinto"; fileinto "S"; stop;',
    });
    const r1 = await run('require ["include","fileinto"]; include "ret"; fileinto "after";', {
      loadInclude: scripts,
    });
    expect(folders(r1)).toEqual(['R', 'after']);
    const r2 = await run('require ["include","fileinto"]; include "stop"; fileinto "after";', {
      loadInclude: scripts,
    });
    expect(folders(r2)).toEqual(['S']);
  });

  it('only variables declared global are shared (RFC 6609 §3.3 example)', async () => {
    const r = await run(
      `require ["include","variables","fileinto"];
       global "box"; set "box" "Lists"; set "local" "mine";
       include "set"; fileinto "\${box}-\${local}";`,
      {
        loadInclude: loader({
          'personal:set':
            'require ["include","variables"]; global "box"; set "box" "${box}/${local}x"; set "local" "theirs";',
        }),
      },
    );
    expect(folders(r)).toEqual(['Lists/x-mine']);
  });

  it(':once skips a repeat; :optional tolerates a missing script; missing otherwise is an error', async () => {
    const scripts = loader({
      'personal:f': 'require "fileinto"; fileinto "F";',
    });
    const r = await run(
      'require ["include","fileinto"]; include :once "f"; include :once "f"; include :optional "gone";',
      {
        loadInclude: scripts,
      },
    );
    expect(folders(r)).toEqual(['F']);
    const bad = await run('require "include"; include "gone";', { loadInclude: scripts });
    expect(bad.error).toMatch(/does not exist/);
    expect(bad.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('a script that includes itself, or nesting past maxIncludeDepth, is an error', async () => {
    const loop = loader({ 'personal:loop': 'require "include"; include "loop";' });
    expect((await run('require "include"; include "loop";', { loadInclude: loop })).error).toMatch(/loop/);
    const chain = loader(
      Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`personal:s${i}`, `require "include"; include "s${i + 1}";`]),
      ),
    );
    const r = await run('require "include"; include "s0";', {
      loadInclude: chain,
      limits: { maxIncludeDepth: 3 },
    });
    expect(r.error).toMatch(/deeper than 3/);
  });

  it('global needs variables', () => {
    expect(compileSieve('require "include"; global "x";').ok).toBe(false);
  });
});
