/**
 * Contacts as the webmail edits them (name, addresses, phone numbers, organisation, note) to and
 * from vCard through ical.js (core/pim/vcard.ts parses and validates). An edit keeps what the
 * webmail does not show (photos, addresses, a CardDAV client's own properties). Cards are read
 * with ical.js directly: core/pim/vcard.ts validates what CardDAV stores.
 */
import { randomUUID } from 'node:crypto';
import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };
import { fail, isAddress, list, text } from './pim-session';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CJS build of an ESM package (as core/pim/vcard.ts)
const ICAL: typeof ICALModule = require('ical.js');
type Component = InstanceType<typeof ICAL.Component>;

export interface ContactInput {
  name: string;
  emails: string[];
  phones: string[];
  org: string;
  note: string;
}

export interface ContactView extends ContactInput {
  /** "<address book>/<object name>". */
  id: string;
  book: string;
  uid: string;
  etag: string;
}

export const CONTACT_LIMITS = { name: 300, emails: 20, phones: 20, org: 300, note: 5000 };

export function parseContactInput(body: Record<string, unknown>): ContactInput {
  const name = text(body.name, 'name', CONTACT_LIMITS.name).trim();
  if (!name) fail(400, 'a contact needs a name');
  const emails = list(body.emails, 'emails', CONTACT_LIMITS.emails, 254);
  const bad = emails.find((e) => !isAddress(e));
  if (bad !== undefined) fail(400, `"${bad.slice(0, 60)}" is not an email address`);
  const phones = list(body.phones, 'phones', CONTACT_LIMITS.phones, 40);
  if (phones.some((p) => !/^[0-9+()./ -]+$/.test(p)))
    fail(400, 'a phone number has digits, spaces and + ( ) . / -');
  return {
    name,
    emails,
    phones,
    org: text(body.org, 'org', CONTACT_LIMITS.org).trim(),
    note: text(body.note, 'note', CONTACT_LIMITS.note),
  };
}

function replaceAll(card: Component, name: string, values: string[]): void {
  const old = card.getAllProperties(name);
  const kept = new Map(old.map((p) => [String(p.getFirstValue()).toLowerCase(), p]));
  for (const p of old) card.removeProperty(p);
  for (const value of values) {
    const previous = kept.get(value.toLowerCase());
    if (previous) {
      previous.setValue(value);
      card.addProperty(previous);
    } else card.addPropertyWithValue(name, value);
  }
}

function setOne(card: Component, name: string, value: string): void {
  card.removeAllProperties(name);
  if (value) card.addPropertyWithValue(name, value);
}

function apply(card: Component, input: ContactInput): void {
  setOne(card, 'fn', input.name);
  replaceAll(card, 'email', input.emails);
  replaceAll(card, 'tel', input.phones);
  setOne(card, 'org', input.org);
  setOne(card, 'note', input.note);
  card.removeAllProperties('rev');
  // As text in the default (timestamp) type: a VALUE=DATE-TIME parameter trips ical.js on reading.
  card.addPropertyWithValue(
    'rev',
    new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, ''),
  );
}

export function newCard(input: ContactInput): { uid: string; data: string } {
  const uid = `urn:uuid:${randomUUID()}`;
  const card = new ICAL.Component('vcard');
  card.addPropertyWithValue('version', '4.0');
  card.addPropertyWithValue('uid', uid);
  card.addPropertyWithValue('kind', 'individual');
  apply(card, input);
  return { uid, data: card.toString() + '\r\n' };
}

/** A card read with ical.js (null: not one vCard). */
function readCard(data: string): Component | null {
  try {
    const parsed = ICAL.parse(data) as unknown[];
    if (!Array.isArray(parsed) || parsed[0] !== 'vcard') return null;
    return new ICAL.Component(parsed);
  } catch {
    return null;
  }
}

export function editCard(data: string, input: ContactInput): string {
  const card = readCard(data) ?? fail(409, 'the stored card is not a vCard the webmail can edit');
  apply(card, input);
  return card.toString() + '\r\n';
}

/** A stored card as the webmail shows it (null when it is not a vCard we can read). */
export function contactView(
  book: string,
  object: { name: string; etag: string; uid: string; data: string },
): ContactView | null {
  const card = readCard(object.data);
  if (!card) return null;
  // Values as text: structured ones (ORG) joined by ";" as vCard writes them.
  const values = (name: string) =>
    card.getAllProperties(name.toLowerCase()).map((p) =>
      p
        .getValues()
        .map((v) => (Array.isArray(v) ? v.join(';') : String(v)))
        .join(','),
    );
  const uid = card.getFirstPropertyValue('uid');
  return {
    id: `${book}/${object.name}`,
    book,
    uid: uid ? String(uid) : object.uid,
    etag: object.etag,
    name: values('FN')[0] ?? '',
    emails: values('EMAIL'),
    phones: values('TEL'),
    org: (values('ORG')[0] ?? '').replace(/;+$/, ''),
    note: values('NOTE')[0] ?? '',
  };
}

/** Prefix match on the name's words and on the address (compose completion). */
export function matchesPrefix(prefix: string, name: string, email: string): boolean {
  const q = prefix.toLowerCase();
  const e = email.toLowerCase();
  if (e.startsWith(q) || name.toLowerCase().startsWith(q)) return true;
  return name
    .toLowerCase()
    .split(/[\s,.'"()-]+/)
    .some((w) => w.startsWith(q));
}
