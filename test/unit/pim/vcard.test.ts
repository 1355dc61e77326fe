import fc from 'fast-check';
import { InvalidAddressData, parseVcard, vcardWithProperties } from '../../../core/pim/vcard';

const CARD3 = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:ann-1',
  'FN:Ann Lee',
  'N:Lee;Ann;Marie;Dr.;',
  'ORG:Example Ltd;Research',
  'ADR;TYPE=home:;;1 Main St;Town;;12345;UK',
  'EMAIL;TYPE=work:ann@example.org',
  'TEL;TYPE=cell:+44 1234 567890',
  'END:VCARD',
  '',
].join('\r\n');

describe('parseVcard', () => {
  it('reads a vCard 3 with structured properties (N, ADR, ORG) as real clients send them', () => {
    const card = parseVcard(CARD3);
    expect(card).toMatchObject({ uid: 'ann-1', version: '3.0' });
    const lines = card.properties.map((p) => p.line);
    expect(lines).toEqual(
      expect.arrayContaining(['N:Lee;Ann;Marie;Dr.;', 'ADR;TYPE=home:;;1 Main St;Town;;12345;UK']),
    );
    expect(card.properties.find((p) => p.name === 'EMAIL')?.params.TYPE).toEqual(['work']);
  });

  it('reads a vCard 4', () => {
    const card = parseVcard(CARD3.replace('VERSION:3.0', 'VERSION:4.0'));
    expect(card.version).toBe('4.0');
  });

  it('refuses what is not one vCard 3/4 with FN', () => {
    expect(() => parseVcard('hello')).toThrow(InvalidAddressData);
    expect(() => parseVcard(CARD3.replace('VERSION:3.0', 'VERSION:2.1'))).toThrow(InvalidAddressData);
    expect(() => parseVcard(CARD3.replace('FN:Ann Lee\r\n', ''))).toThrow(InvalidAddressData);
    expect(() => parseVcard(CARD3 + CARD3)).toThrow(InvalidAddressData);
  });

  it('keeps the requested properties and the required ones (address-data prop)', () => {
    const text = vcardWithProperties(CARD3, ['EMAIL']);
    expect(text).toContain('EMAIL;TYPE=work:ann@example.org');
    expect(text).toContain('N:Lee;Ann;Marie;Dr.;');
    expect(text).not.toContain('TEL');
  });

  it('parses any input or refuses it with InvalidAddressData, never another error', () => {
    const line = fc.oneof(
      fc.constantFrom('N:a;b;c;;', 'ADR:;;x;y;;z;w', 'FN:x', 'ORG:a;b', 'EMAIL:x@y', 'UID:1', 'VERSION:4.0'),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = ['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD', ''].join('\r\n');
        try {
          parseVcard(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidAddressData);
        }
      }),
      { numRuns: Number(process.env.FAST_CHECK_RUNS ?? 200) },
    );
  });
});
