/** ETRN argument parser (RFC 1985 §5): property tests over arbitrary input and generated names. */
import fc from 'fast-check';
import { parseEtrnArgument } from '../../../containers/smtp/etrn-command';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 2, maxLength: 5 }).map((labels) => labels.join('.'));

describe('parseEtrnArgument', () => {
  it('never throws, and anything it accepts is a lower-case name without spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const parsed = parseEtrnArgument(text);
        if (parsed === null) return;
        expect(parsed.name).toBe(parsed.name.toLowerCase());
        expect(parsed.name).not.toMatch(/[\s@#]/);
        expect(parsed.name.length).toBeGreaterThan(0);
        expect(parsed.name.length).toBeLessThanOrEqual(253);
      }),
    );
  });

  it('reads node names, @domains and #queues, case-insensitively', () => {
    fc.assert(
      fc.property(domain, fc.constantFrom('', '@', '#'), fc.boolean(), (name, prefix, upper) => {
        const written = upper ? name.toUpperCase() : name;
        const parsed = parseEtrnArgument(` ${prefix}${written} `);
        const kind = prefix === '@' ? 'subdomains' : prefix === '#' ? 'queue' : 'domain';
        expect(parsed).toEqual({ kind, name });
      }),
    );
  });

  it('refuses empty arguments, several words, bad labels and over-long names', () => {
    for (const bad of [
      '',
      ' ',
      '@',
      '#',
      'a b',
      'exa_mple.org',
      '-x.org',
      'x-.org',
      'a..b',
      '@@x.org',
      `${'a'.repeat(250)}.org`,
    ])
      expect(parseEtrnArgument(bad)).toBeNull();
    fc.assert(
      fc.property(domain, fc.constantFrom(' ', '\t', '!', '<', '>', '\u00e9'), (name, junk) => {
        expect(parseEtrnArgument(`${name}${junk}x`)).toBeNull();
      }),
    );
  });
});
