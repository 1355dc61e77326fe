/** RFC 5228 base language: tests, actions, implicit keep, limits. */
import { compile, env, folders, run } from './helpers';
import { runSieve } from '../../../core/sieve';

describe('Sieve core (RFC 5228)', () => {
  it('keeps implicitly when no action cancels it (§2.10.2)', async () => {
    const r = await run('if false { discard; }');
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('header :contains, :is and :matches compare decoded values, case-insensitively by default', async () => {
    const r = await run(`require "fileinto";
      if header :contains "subject" "MEETING" { fileinto "a"; }
      if header :is "Subject" "Grüße from the meeting" { fileinto "b"; }
      if header :matches "subject" "Gr*e from *" { fileinto "c"; }
      if header :is "subject" "meeting" { fileinto "never"; }`);
    expect(folders(r)).toEqual(['a', 'b', 'c']);
  });

  it('address parts: :all :localpart :domain over every address of the header', async () => {
    const r = await run(`require "fileinto";
      if address :is :all "to" "bob@y.org" { fileinto "all"; }
      if address :localpart :is ["to","cc"] "carol" { fileinto "local"; }
      if address :domain :is "from" "EXAMPLE.com" { fileinto "domain"; }`);
    expect(folders(r)).toEqual(['all', 'local', 'domain']);
  });

  it('exists needs all headers; size compares octets; not/allof/anyof combine', async () => {
    const r = await run(`require "fileinto";
      if exists ["from", "to"] { fileinto "both"; }
      if exists ["from", "x-nope"] { fileinto "never"; }
      if allof (size :under 10K, not size :over 10K, anyof (false, true)) { fileinto "small"; }`);
    expect(folders(r)).toEqual(['both', 'small']);
  });

  it('the RFC 5228 §2.4.2 escapes: only \\" and \\\\ are special', async () => {
    const r = await run('require "fileinto"; fileinto "a\\"b\\\\c\\d";');
    expect(folders(r)).toEqual(['a"b\\cd']);
  });

  it('multi-line strings with dot-stuffing', async () => {
    const r = await run('require "fileinto";\nfileinto text:\nline1\n..dot\n.\n;');
    expect(folders(r)).toEqual(['line1\r\n.dot\r\n']);
  });

  it('stop ends the script; later actions do not happen', async () => {
    const r = await run('discard; stop; redirect "x@y.org";');
    expect(r.actions).toEqual([{ type: 'discard' }]);
  });

  it('redirect cancels the implicit keep and identical redirects happen once (§2.10.3)', async () => {
    const r = await run('redirect "a@b.org"; redirect "A@b.org";');
    expect(r.actions).toEqual([{ type: 'redirect', address: 'a@b.org', copy: false }]);
  });

  it('more redirects than maxRedirects is an error that keeps the message', async () => {
    const r = await run('redirect "a@b.org"; redirect "c@b.org";', { limits: { maxRedirects: 1 } });
    expect(r.error).toMatch(/redirect/);
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('a step limit stops runaway scripts with an error and a keep', async () => {
    const body = 'if true { '.repeat(50) + 'discard;' + ' }'.repeat(50);
    const r = await runSieve(compile(body), env({ limits: { maxSteps: 20 } }));
    expect(r.error).toMatch(/steps/);
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('more actions than maxActions is an error that keeps the message', async () => {
    const r = await run('require "fileinto"; fileinto "a"; fileinto "b"; fileinto "c";', {
      limits: { maxActions: 2 },
    });
    expect(r.error).toMatch(/actions/);
    expect(r.actions).toEqual([{ type: 'keep', flags: [] }]);
  });

  it('a failing environment callback never escapes runSieve', async () => {
    const r = await run('require ["fileinto","mailbox"]; if mailboxexists "x" { discard; }', {
      mailboxExists: async () => {
        throw new Error('db down');
      },
    });
    expect(r).toEqual({ actions: [{ type: 'keep', flags: [] }], duplicates: [], error: 'db down' });
  });

  it('the null envelope sender matches "" for any address part', async () => {
    const r = await run(
      'require ["envelope","fileinto"]; if envelope :domain :is "from" "" { fileinto "bounce"; }',
      {
        envelope: { from: '', to: 'me@x.org' },
      },
    );
    expect(folders(r)).toEqual(['bounce']);
  });
});
