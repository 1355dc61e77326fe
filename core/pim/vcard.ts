/**
 * vCard 3 and 4 (RFC 2426, RFC 6350) through ical.js, which parses both into jCard: validation on
 * PUT, the UID, and property values for addressbook-query.
 */
import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CJS build of an ESM package (as core/pim/ical/ical-lib.ts)
const ICAL: typeof ICALModule = require('ical.js');

export class InvalidAddressData extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidAddressData';
  }
}

export interface VcardProperty {
  /** Upper case, e.g. "EMAIL". */
  name: string;
  /** Parameters, names upper case; values as given. */
  params: Record<string, string[]>;
  /** The value as text (structured values joined with ";"). */
  value: string;
  /** The property line as it would be written (for address-data with selected properties). */
  line: string;
}

export interface ParsedVcard {
  uid: string | null;
  version: string;
  properties: VcardProperty[];
}

type JCardProp = [string, Record<string, string | string[]>, string, ...unknown[]];

function valueText(values: unknown[]): string {
  return values
    .map((v) =>
      Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? x.join(',') : String(x))).join(';') : String(v),
    )
    .join(',');
}

/** Parses one vCard (the resource of a CardDAV address book). Throws InvalidAddressData. */
export function parseVcard(text: string): ParsedVcard {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (error) {
    throw new InvalidAddressData(`not a vCard: ${(error as Error).message.slice(0, 200)}`);
  }
  const cards = (Array.isArray(parsed) && typeof parsed[0] === 'string' ? [parsed] : parsed) as unknown[];
  if (!Array.isArray(cards) || cards.length !== 1)
    throw new InvalidAddressData('exactly one vCard is expected');
  const card = cards[0] as [string, JCardProp[]];
  if (!Array.isArray(card) || card[0] !== 'vcard') throw new InvalidAddressData('not a vCard');
  const component = new ICAL.Component(card as unknown as unknown[]);
  const properties: VcardProperty[] = card[1].map((prop) => {
    const [name, params, , ...values] = prop;
    const upper = name.toUpperCase();
    const p: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(params)) p[k.toUpperCase()] = Array.isArray(v) ? v : [String(v)];
    // The parent component tells ical.js the design set (vCard): structured values like N and ADR need it.
    const line = new ICAL.Property(prop as unknown as unknown[], component).toICALString();
    return { name: upper, params: p, value: valueText(values), line };
  });
  const version = String(component.getFirstPropertyValue('version') ?? '');
  if (version !== '3.0' && version !== '4.0') throw new InvalidAddressData('VERSION must be 3.0 or 4.0');
  if (!properties.some((p) => p.name === 'FN')) throw new InvalidAddressData('a vCard needs FN');
  const uid = component.getFirstPropertyValue('uid');
  return { uid: uid === null || uid === undefined ? null : String(uid), version, properties };
}

/** The card with only the named properties (RFC 6352 §10.4.2), plus those a vCard must keep. */
export function vcardWithProperties(text: string, names: string[]): string {
  const keep = new Set([...names.map((n) => n.toUpperCase()), 'VERSION', 'UID', 'FN', 'N']);
  const lines = parseVcard(text)
    .properties.filter((p) => keep.has(p.name))
    .map((p) => p.line);
  return ['BEGIN:VCARD', ...lines, 'END:VCARD', ''].join('\r\n');
}
