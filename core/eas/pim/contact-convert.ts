/**
 * Contacts class (MS-ASCNTC §2.2.2) ↔ vCard 3/4 (RFC 2426, RFC 6350), through ical.js's jCard
 * model (core/pim/vcard.ts validates what we write). A Change is applied onto the stored card:
 * the properties EAS maps are replaced (an absent element removes its property, except Body and
 * ghosted elements), everything else on the card (IMPP, X- properties, a fourth e-mail …) stays.
 */
import { randomUUID } from 'node:crypto';
import ICAL, { type IcalComponent, type IcalProperty } from '../../pim/ical/ical-lib';
import { InvalidAddressData } from '../../pim/vcard';
import type { BodyPreference } from '../sync/item-source';
import { child, el, type EasElement } from '../wbxml/tree';
import {
  bodyElement,
  bodyText,
  categoriesElement,
  categoriesOf,
  isoDate,
  parseEasDate,
  textOf,
} from './eas-values';

const P = 1;
const P2 = 12;
const NS = 'Contacts';

export interface ContactContext {
  bodyPreferences: BodyPreference[];
  supported?: ReadonlySet<string> | null;
}

type Values = Record<string, string | undefined>;

const types = (p: IcalProperty): string[] => {
  const t = p.getParameter('type') as string | string[] | undefined;
  return (Array.isArray(t) ? t : t ? String(t).split(',') : []).map((x) => x.toLowerCase());
};

/** Telephone slots of EAS, in the order they are filled from TEL properties. */
const TEL_SLOTS: { name: string; test: (t: string[]) => boolean; type: string[] }[] = [
  { name: 'MobilePhoneNumber', test: (t) => t.includes('cell'), type: ['CELL', 'VOICE'] },
  { name: 'BusinessFaxNumber', test: (t) => t.includes('fax') && t.includes('work'), type: ['WORK', 'FAX'] },
  { name: 'HomeFaxNumber', test: (t) => t.includes('fax') && !t.includes('work'), type: ['HOME', 'FAX'] },
  { name: 'PagerNumber', test: (t) => t.includes('pager'), type: ['PAGER'] },
  { name: 'CarPhoneNumber', test: (t) => t.includes('car'), type: ['CAR'] },
  { name: 'BusinessPhoneNumber', test: (t) => t.includes('work'), type: ['WORK', 'VOICE'] },
  { name: 'Business2PhoneNumber', test: (t) => t.includes('work'), type: ['WORK', 'VOICE'] },
  { name: 'HomePhoneNumber', test: () => true, type: ['HOME', 'VOICE'] },
  { name: 'Home2PhoneNumber', test: () => true, type: ['HOME', 'VOICE'] },
];

const ADR_KINDS: { prefix: string; test: (t: string[]) => boolean; type: string }[] = [
  { prefix: 'Business', test: (t) => t.includes('work'), type: 'WORK' },
  { prefix: 'Home', test: (t) => t.includes('home'), type: 'HOME' },
  { prefix: 'Other', test: () => true, type: 'OTHER' },
];
const ADR_FIELDS = ['Street', 'City', 'State', 'PostalCode', 'Country'];

/** The properties behind each EAS element (so a Change replaces exactly those). */
function slots(card: IcalComponent): Map<string, IcalProperty> {
  const out = new Map<string, IcalProperty>();
  card
    .getAllProperties('email')
    .slice(0, 3)
    .forEach((p, i) => out.set(`Email${i + 1}Address`, p));
  for (const p of card.getAllProperties('tel')) {
    const t = types(p);
    const slot = TEL_SLOTS.find((s) => !out.has(s.name) && s.test(t));
    if (slot) out.set(slot.name, p);
  }
  for (const p of card.getAllProperties('adr')) {
    const kind = ADR_KINDS.find((k) => !out.has(`${k.prefix}Address`) && k.test(types(p)));
    if (kind) out.set(`${kind.prefix}Address`, p);
  }
  return out;
}

const str = (v: unknown): string => (Array.isArray(v) ? v.map(str).join(' ') : v == null ? '' : String(v));

function structured(p: IcalProperty | null): string[] {
  if (!p) return [];
  const v = p.getFirstValue() as unknown;
  // ical.js gives a one-component value (ORG:Acme\;Co) as the unescaped string: never split it.
  return Array.isArray(v) ? v.map(str) : v === null || v === undefined ? [] : [String(v)];
}

/** A date (BDAY, ANNIVERSARY) as EAS dateTime at midnight UTC. */
function dateValue(card: IcalComponent, name: string): string | null {
  const v = card.getFirstPropertyValue(name);
  if (v === null || v === undefined) return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(String(v));
  return m ? `${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z` : null;
}

function photoOf(card: IcalComponent): string | null {
  const p = card.getFirstProperty('photo');
  if (!p) return null;
  const v = String(p.getFirstValue() ?? '');
  const data = /^data:[^;,]*;base64,(.*)$/s.exec(v);
  if (data) return data[1];
  const encoding = String(p.getParameter('encoding') ?? '').toLowerCase();
  return encoding === 'b' || encoding === 'base64' ? v.replace(/\s+/g, '') : null;
}

/** The ApplicationData of a stored vCard. */
export function contactToApplicationData(vcard: string, ctx: ContactContext): EasElement {
  const card = new ICAL.Component(ICAL.parse(vcard) as unknown[]);
  const values: Values = {};
  const n = structured(card.getFirstProperty('n'));
  const org = structured(card.getFirstProperty('org'));
  values.LastName = n[0];
  values.FirstName = n[1];
  values.MiddleName = n[2];
  values.Title = n[3];
  values.Suffix = n[4];
  values.CompanyName = org[0];
  values.Department = org[1];
  values.FileAs = str(card.getFirstPropertyValue('fn'));
  values.JobTitle = str(card.getFirstPropertyValue('title'));
  values.WebPage = str(card.getFirstPropertyValue('url'));
  values.OfficeLocation = str(card.getFirstPropertyValue('x-ms-office'));
  for (const [name, p] of slots(card)) {
    if (!name.endsWith('Address') || name.startsWith('Email')) values[name] = str(p.getFirstValue());
    else {
      const a = structured(p);
      const prefix = name.slice(0, -'Address'.length);
      // ADR: post office box; extended; street; locality; region; code; country.
      const street = [a[0], a[1], a[2]].filter(Boolean).join('\n');
      [street, a[3], a[4], a[5], a[6]].forEach((v, i) => (values[`${prefix}Address${ADR_FIELDS[i]}`] = v));
    }
  }
  const nickname = str(card.getFirstPropertyValue('nickname'));
  const ordered = [
    'Anniversary',
    'Birthday',
    'Business2PhoneNumber',
    'BusinessAddressCity',
    'BusinessAddressCountry',
    'BusinessAddressPostalCode',
    'BusinessAddressState',
    'BusinessAddressStreet',
    'BusinessFaxNumber',
    'BusinessPhoneNumber',
    'CarPhoneNumber',
    'CompanyName',
    'Department',
    'Email1Address',
    'Email2Address',
    'Email3Address',
    'FileAs',
    'FirstName',
    'Home2PhoneNumber',
    'HomeAddressCity',
    'HomeAddressCountry',
    'HomeAddressPostalCode',
    'HomeAddressState',
    'HomeAddressStreet',
    'HomeFaxNumber',
    'HomePhoneNumber',
    'JobTitle',
    'LastName',
    'MiddleName',
    'MobilePhoneNumber',
    'OfficeLocation',
    'OtherAddressCity',
    'OtherAddressCountry',
    'OtherAddressPostalCode',
    'OtherAddressState',
    'OtherAddressStreet',
    'PagerNumber',
    'Suffix',
    'Title',
    'WebPage',
  ];
  values.Birthday = dateValue(card, 'bday') ?? undefined;
  values.Anniversary = (dateValue(card, 'anniversary') ?? dateValue(card, 'x-anniversary')) || undefined;
  const photo = photoOf(card);
  const categories = card
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map(str))
    .filter(Boolean);
  return el(
    'AirSync',
    'ApplicationData',
    bodyElement(str(card.getFirstPropertyValue('note')), ctx.bodyPreferences),
    ...ordered.map((name) => (values[name] ? el(NS, name, values[name]) : null)),
    categoriesElement(NS, categories),
    photo && el(NS, 'Picture', photo),
    nickname && el('Contacts2', 'NickName', nickname),
  );
}

function addText(
  card: IcalComponent,
  name: string,
  value: string,
  params: Record<string, string | string[]> = {},
) {
  const p = new ICAL.Property(name, card);
  p.setValue(value);
  for (const [k, v] of Object.entries(params)) p.setParameter(k, v);
  card.addProperty(p);
}

function addStructured(
  card: IcalComponent,
  name: string,
  values: string[],
  params: Record<string, string[]> = {},
) {
  const p = new ICAL.Property(name, card);
  p.setValue(values);
  for (const [k, v] of Object.entries(params)) p.setParameter(k, v);
  card.addProperty(p);
}

/** "Jane <jane@example.org>" → "jane@example.org" (devices send either form). */
const bareAddress = (s: string) => (/<([^<>]+)>\s*$/.exec(s)?.[1] ?? s).trim();

/** The vCard text for a device's contact: new (existing null) or the stored card changed. */
export function applicationDataToContact(
  data: EasElement,
  existing: string | null,
  ctx: ContactContext,
): string {
  const card = existing
    ? new ICAL.Component(ICAL.parse(existing) as unknown[])
    : new ICAL.Component(ICAL.parse('BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD') as unknown[]);
  const v4 = String(card.getFirstPropertyValue('version')) === '4.0';
  const ghosted = (name: string) => !!ctx.supported && !ctx.supported.has(name);
  const t = (name: string, page = P) => textOf(data, name, page)?.trim();
  // Keep what the device does not manage: per element, the old value when ghosted.
  const old = existing ? contactToApplicationData(existing, { bodyPreferences: [] }) : null;
  const get = (name: string, page = P) =>
    t(name, page) ?? (ghosted(name) ? textOf(old ?? undefined, name, page) : undefined) ?? '';

  const mapped = slots(card);
  for (const p of mapped.values()) card.removeProperty(p);
  for (const name of [
    'fn',
    'n',
    'org',
    'title',
    'url',
    'bday',
    'anniversary',
    'x-anniversary',
    'x-ms-office',
  ])
    card.removeAllProperties(name);
  if (!ghosted('Picture') || child(data, 'Picture', P)) {
    const picture = t('Picture');
    if (picture !== undefined || !ghosted('Picture')) card.removeAllProperties('photo');
    if (picture && /^[A-Za-z0-9+/=\s]+$/.test(picture)) {
      if (v4) addText(card, 'photo', `data:image/jpeg;base64,${picture.replace(/\s+/g, '')}`);
      else addText(card, 'photo', picture.replace(/\s+/g, ''), { encoding: 'b', type: 'JPEG' });
    }
  }

  const n = ['LastName', 'FirstName', 'MiddleName', 'Title', 'Suffix'].map((x) => get(x));
  const company = get('CompanyName');
  const department = get('Department');
  const emails = [1, 2, 3].map((i) => bareAddress(get(`Email${i}Address`))).filter(Boolean);
  const fn =
    get('FileAs') ||
    [n[3], n[1], n[2], n[0], n[4]].filter(Boolean).join(' ') ||
    company ||
    emails[0] ||
    'Unnamed';
  addText(card, 'fn', fn);
  addStructured(card, 'n', n);
  if (company || department) addStructured(card, 'org', department ? [company, department] : [company]);
  if (get('JobTitle')) addText(card, 'title', get('JobTitle'));
  if (get('WebPage')) addText(card, 'url', get('WebPage'));
  if (get('OfficeLocation')) addText(card, 'x-ms-office', get('OfficeLocation'));
  // The device's three addresses come first; extra ones it does not see follow them.
  const extra = card.getAllProperties('email');
  for (const p of extra) card.removeProperty(p);
  emails.forEach((e, i) =>
    addText(card, 'email', e, { type: i === 0 ? ['INTERNET', 'PREF'] : ['INTERNET'] }),
  );
  for (const p of extra) card.addProperty(p);
  for (const slot of TEL_SLOTS) {
    const number = get(slot.name);
    if (number) addText(card, 'tel', number, { type: slot.type });
  }
  for (const kind of ADR_KINDS) {
    const [street, city, state, code, country] = ADR_FIELDS.map((f) => get(`${kind.prefix}Address${f}`));
    if (street || city || state || code || country)
      addStructured(card, 'adr', ['', '', street, city, state, code, country], { type: [kind.type] });
  }
  for (const [element, prop] of [
    ['Birthday', 'bday'],
    ['Anniversary', v4 ? 'anniversary' : 'x-anniversary'],
  ] as const) {
    const ms = parseEasDate(get(element));
    // Devices send local midnight as UTC (the day before, late evening, east of Greenwich): round.
    if (ms !== null) addText(card, prop, isoDate(ms + 12 * 3600_000).slice(0, 10), { value: 'date' });
  }
  const body = bodyText(data);
  if (body !== undefined) {
    card.removeAllProperties('note');
    if (body) addText(card, 'note', body);
  } else if (!existing) card.removeAllProperties('note');
  const categories = categoriesOf(data, P);
  if (categories !== null || !ghosted('Categories')) {
    card.removeAllProperties('categories');
    if (categories?.length) {
      const p = new ICAL.Property('categories', card);
      p.setValues(categories);
      card.addProperty(p);
    }
  }
  const nickname = t('NickName', P2);
  if (nickname !== undefined || !ghosted('NickName')) {
    card.removeAllProperties('nickname');
    if (nickname) addText(card, 'nickname', nickname);
  }
  if (!card.hasProperty('uid')) addText(card, 'uid', randomUUID());
  const text = card.toString() + '\r\n';
  vcardUid(text);
  return text;
}

/**
 * What core/pim/vcard.ts parseVcard checks of a card (one vCard, VERSION 3.0/4.0, FN) and its UID.
 * Not parseVcard itself: it renders each property without the card's design set, which fails
 * on structured values (N, ADR, ORG) and TYPE lists.
 */
export function vcardUid(text: string): string | null {
  let card: IcalComponent;
  try {
    card = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (error) {
    throw new InvalidAddressData(`not a vCard: ${String((error as Error).message).slice(0, 200)}`);
  }
  if (card.name !== 'vcard') throw new InvalidAddressData('not a vCard');
  const version = String(card.getFirstPropertyValue('version') ?? '');
  if (version !== '3.0' && version !== '4.0') throw new InvalidAddressData('VERSION must be 3.0 or 4.0');
  if (!card.hasProperty('fn')) throw new InvalidAddressData('a vCard needs FN');
  const uid = card.getFirstPropertyValue('uid');
  return uid === null || uid === undefined ? null : String(uid);
}
