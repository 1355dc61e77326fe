/** encoded-character (RFC 5228 §2.4.2.4). */
import { compileSieve } from '../../../core/sieve';
import { folders, run } from './helpers';

describe('encoded-character', () => {
  it('decodes ${hex:} as UTF-8 octets and ${unicode:} as code points', async () => {
    const r = await run(
      'require ["encoded-character","fileinto"]; fileinto "${hex:48 65 6C 6C 6F}-${hex:C3 A4}-${unicode:263a 20}-${hex:C3A4}";',
    );
    expect(folders(r)).toEqual(['Hello-ä-☺ -${hex:C3A4}']);
  });

  it('leaves malformed sequences and strings of scripts without the extension as written', async () => {
    expect(folders(await run('require ["encoded-character","fileinto"]; fileinto "${hex:zz}";'))).toEqual([
      '${hex:zz}',
    ]);
    expect(folders(await run('require "fileinto"; fileinto "${hex:41}";'))).toEqual(['${hex:41}']);
  });

  it('a surrogate or out-of-range code point is a compile error', () => {
    expect(compileSieve('require ["encoded-character"]; redirect "${unicode:D800}@x.org";').ok).toBe(false);
    expect(compileSieve('require ["encoded-character"]; redirect "${unicode:110000}@x.org";').ok).toBe(false);
  });
});
