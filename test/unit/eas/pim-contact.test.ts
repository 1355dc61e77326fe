/**
 * Contacts class ↔ vCard (core/eas/pim/contact-convert.ts): names, e-mails, phones, addresses,
 * birthday, notes and categories round-trip; a Change keeps what EAS has no element for; device
 * input of any text gives a card core/pim/vcard accepts with the same values.
 */
import fc from 'fast-check';
import { applicationDataToContact, contactToApplicationData } from '../../../core/eas/pim/contact-convert';
import { child, el, type EasElement } from '../../../core/eas/wbxml/tree';
import ICAL from '../../../core/pim/ical/ical-lib';
import { vcardUid } from '../../../core/eas/pim/contact-convert';
import { CONTACT } from './pim-fixtures';

const CTX = { bodyPreferences: [{ type: 1 }] };

/** The card's properties as name → values (structured values joined with ";"). */
function parseCard(text: string) {
  vcardUid(text);
  const card = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const props = (name: string) =>
    card.getAllProperties(name.toLowerCase()).map((p) => {
      const v = p.getFirstValue() as unknown;
      return Array.isArray(v) ? v.join(';') : String(v);
    });
  return {
    uid: card.getFirstPropertyValue('uid'),
    version: String(card.getFirstPropertyValue('version')),
    props,
  };
}
const values = (data: EasElement) =>
  Object.fromEntries(
    data.children.filter((c) => c.page === 1 && c.text !== undefined).map((c) => [c.name, c.text]),
  );

describe('vCard → ApplicationData', () => {
  it('maps names, organisation, e-mails, phones, addresses, birthday and notes', () => {
    const data = contactToApplicationData(CONTACT, CTX);
    expect(values(data)).toEqual({
      FileAs: 'Dr. Jane Q. Doe Jr.',
      LastName: 'Doe',
      FirstName: 'Jane',
      MiddleName: 'Q.',
      Title: 'Dr.',
      Suffix: 'Jr.',
      CompanyName: 'Acme Corp',
      Department: 'Research',
      JobTitle: 'Chief Scientist',
      Email1Address: 'jane@acme.example',
      Email2Address: 'jane.doe@home.example',
      Email3Address: 'jd@third.example',
      BusinessPhoneNumber: '+1 555 0100',
      HomePhoneNumber: '+1 555 0101',
      MobilePhoneNumber: '+1 555 0102',
      BusinessFaxNumber: '+1 555 0103',
      BusinessAddressStreet: '1 Lab Road',
      BusinessAddressCity: 'Springfield',
      BusinessAddressState: 'IL',
      BusinessAddressPostalCode: '62701',
      BusinessAddressCountry: 'USA',
      HomeAddressStreet: '22 Elm Street',
      HomeAddressCity: 'Shelbyville',
      HomeAddressState: 'IL',
      HomeAddressPostalCode: '62565',
      HomeAddressCountry: 'USA',
      Birthday: '1980-05-14T00:00:00.000Z',
      WebPage: 'https://acme.example/jane',
    });
    expect(child(child(data, 'Body', 17), 'Data', 17)?.text).toBe('Met at the conference.');
    expect(child(data, 'Categories', 1)?.children.map((c) => c.text)).toEqual(['Friends', 'Science']);
  });
});

describe('round trip', () => {
  it('vCard → ApplicationData → vCard → ApplicationData is stable', () => {
    const data = contactToApplicationData(CONTACT, CTX);
    const card = applicationDataToContact(data, null, CTX);
    expect(parseCard(card).version).toBe('3.0');
    expect(contactToApplicationData(card, CTX)).toEqual(data);
  });

  it('a Change replaces the EAS fields and keeps IMPP, X- properties, UID and a fourth e-mail', () => {
    const change = el(
      'AirSync',
      'ApplicationData',
      el('Contacts', 'FirstName', 'Janet'),
      el('Contacts', 'LastName', 'Doe'),
      el('Contacts', 'Email1Address', '"Janet Doe" <janet@acme.example>'),
      el('Contacts', 'MobilePhoneNumber', '+1 555 0199'),
      el('Contacts', 'Birthday', '1980-05-13T22:00:00.000Z'),
    );
    const card = applicationDataToContact(change, CONTACT, CTX);
    const parsed = parseCard(card);
    expect(parsed.uid).toBe('contact-1@example.org');
    const props = parsed.props;
    expect(props('IMPP')).toEqual(['xmpp:jane@acme.example']);
    expect(props('X-CUSTOM')).toEqual(['kept']);
    expect(props('EMAIL')).toEqual(['janet@acme.example', 'fourth@example.org']);
    expect(props('TEL')).toEqual(['+1 555 0199']);
    expect(props('ADR')).toEqual([]);
    expect(props('NOTE')).toEqual(['Met at the conference.']);
    expect(props('FN')).toEqual(['Janet Doe']);
    // Local midnight east of Greenwich arrives as the evening before in UTC.
    expect(props('BDAY')[0]).toMatch(/^1980-?05-?14/);
  });

  it('keeps ghosted fields on Change', () => {
    const change = el('AirSync', 'ApplicationData', el('Contacts', 'FirstName', 'Janet'));
    const card = applicationDataToContact(change, CONTACT, { ...CTX, supported: new Set(['FirstName']) });
    const data = values(contactToApplicationData(card, CTX));
    expect([data.FirstName, data.LastName, data.Email3Address, data.HomeAddressCity]).toEqual([
      'Janet',
      'Doe',
      'jd@third.example',
      'Shelbyville',
    ]);
  });

  it('takes a picture and gives it back', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).toString('base64');
    const card = applicationDataToContact(
      el('AirSync', 'ApplicationData', el('Contacts', 'FileAs', 'Pic'), el('Contacts', 'Picture', jpeg)),
      null,
      CTX,
    );
    expect(child(contactToApplicationData(card, CTX), 'Picture', 1)?.text).toBe(jpeg);
  });
});

describe('device input (property-based)', () => {
  // ical.js reads an escaped backslash before a structured value's ";" as an escaped ";" (it
  // writes "\\;" correctly): a component ending in a backslash is the one thing not kept.
  const field = fc
    .string({ maxLength: 30 })
    .filter((s) => s.trim() === s && !/[\r\n]/.test(s) && !s.endsWith('\\'));
  it('any text becomes a valid card with the same values', () => {
    fc.assert(
      fc.property(
        fc.record({
          FirstName: field,
          LastName: field,
          CompanyName: field,
          Department: field,
          JobTitle: field,
          HomeAddressStreet: field,
          HomeAddressCity: field,
          // TEL is not TEXT in vCard (phone-number / uri): no escapes, so phone-like characters only.
          MobilePhoneNumber: fc.stringMatching(/^[0-9+()#*x.-]([0-9 +()#*x.-]{0,18}[0-9+()#*x.-])?$/),
          Email1Address: field.filter((s) => !/[<>]/.test(s)),
        }),
        (input) => {
          const data = el(
            'AirSync',
            'ApplicationData',
            ...Object.entries(input).map(([k, v]) => el('Contacts', k, v)),
          );
          const card = applicationDataToContact(data, null, CTX);
          vcardUid(card);
          const back = values(contactToApplicationData(card, CTX));
          for (const [k, v] of Object.entries(input)) {
            // Department is only kept with a company (ORG's first part).
            if (k === 'Department' && !input.CompanyName && v) continue;
            expect([k, back[k] ?? '']).toEqual([k, v]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
