/** The generated scripts: quoting, the include order, the vacation script. */
import fc from 'fast-check';
import { compileSieve } from '../../../core/sieve';
import {
  forwardScript,
  sieveString,
  vacationScript,
  wrapperScript,
} from '../../../core/sieve/delivery/wrapper';

/** RFC 5228 §2.4.2 unquoting, to check that sieveString round-trips. */
function unquote(quoted: string): string {
  expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
  let out = '';
  const body = quoted.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') out += body[++i];
    else {
      expect(body[i]).not.toBe('"');
      out += body[i];
    }
  }
  return out;
}

describe('generated Sieve', () => {
  it('quotes any string so that it reads back the same', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(unquote(sieveString(s))).toBe(s)));
  });

  it('includes before, forwarding, the personal script, after and vacation in that order', () => {
    const text = wrapperScript({
      before: true,
      forward: true,
      personal: 'my "main"',
      after: true,
      vacation: true,
    });
    expect(text.split('\r\n').filter(Boolean)).toEqual([
      'require ["include"];',
      'include :global "before";',
      'include :global ".nimbus-forward";',
      'include :personal "my \\"main\\"";',
      'include :global "after";',
      'include :global ".nimbus-vacation";',
    ]);
    expect(
      wrapperScript({ before: false, forward: false, personal: null, after: false, vacation: true }),
    ).not.toMatch(/personal|before|forward/);
  });

  it('compiles forwarding to redirects: :copy when a copy is kept, otherwise redirect and stop', () => {
    const kept = forwardScript({ targets: ['a@remote.test', 'b.q@x.test'], keepCopy: true });
    expect(kept.split('\r\n').filter(Boolean)).toEqual([
      'require ["copy"];',
      'redirect :copy "a@remote.test";',
      'redirect :copy "b.q@x.test";',
    ]);
    const moved = forwardScript({ targets: ['a@remote.test'], keepCopy: false });
    expect(moved.split('\r\n').filter(Boolean)).toEqual(['redirect "a@remote.test";', 'stop;']);
    for (const script of [kept, moved]) expect(compileSieve(script).ok).toBe(true);
  });

  it('builds a 7-day vacation with the subject, text or a MIME alternative', () => {
    const text = vacationScript({ subject: 'Away "now"', textBody: 'Back monday', htmlBody: null });
    expect(text).toContain(':days 7');
    expect(text).toContain(':subject "Away \\"now\\""');
    expect(text).toContain('"Back monday"');
    const html = vacationScript({ subject: null, textBody: 'Back', htmlBody: '<p>Back</p>' });
    expect(html).toContain(':mime');
    expect(html).toContain('multipart/alternative');
  });
});
