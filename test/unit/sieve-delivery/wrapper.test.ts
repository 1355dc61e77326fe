/** The generated scripts: quoting, the include order, the vacation script. */
import fc from 'fast-check';
import { sieveString, vacationScript, wrapperScript } from '../../../core/sieve/delivery/wrapper';

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

  it('includes before, the personal script, after and vacation in that order', () => {
    const text = wrapperScript({ before: true, personal: 'my "main"', after: true, vacation: true });
    expect(text.split('\r\n').filter(Boolean)).toEqual([
      'require ["include"];',
      'include :global "before";',
      'include :personal "my \\"main\\"";',
      'include :global "after";',
      'include :global ".nimbus-vacation";',
    ]);
    expect(wrapperScript({ before: false, personal: null, after: false, vacation: true })).not.toMatch(
      /personal|before/,
    );
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
