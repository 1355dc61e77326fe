import { domainToASCII } from 'node:url';
import { isSrsLocalPart } from './srs';

/** A mailbox address split and normalised for lookups: domain in lower-case ASCII (IDNA). */
export interface ParsedAddress {
  local: string;
  domain: string;
  /** local@domain with the domain normalised; the local part keeps its case for delivery. */
  address: string;
  /** Lower-cased form used as the directory key. */
  key: string;
}

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM_ASCII = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const ATOM_UTF8 = "(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\\x00-\\x7f])+";
const DOT_ATOM_UTF8 = new RegExp(`^${ATOM_UTF8}(?:\\.${ATOM_UTF8})*$`, 'u');
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressError';
  }
}

/** Normalises a domain to lower-case ASCII (punycode for IDNs); throws AddressError when invalid. */
export function normaliseDomain(input: string): string {
  let domain = input.trim().toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (/[^\x00-\x7f]/.test(domain)) domain = domainToASCII(domain);
  if (!domain || domain.length > 253) throw new AddressError(`invalid domain "${input}"`);
  const labels = domain.split('.');
  if (labels.length < 2 && domain !== 'localhost') throw new AddressError(`invalid domain "${input}"`);
  if (!labels.every((label) => LABEL.test(label))) throw new AddressError(`invalid domain "${input}"`);
  return domain;
}

/**
 * Parses local@domain (RFC 5321 Mailbox, with RFC 6531 UTF-8 when `utf8`). Address literals
 * ([1.2.3.4]) are rejected: we host named domains only, and literals are a classic relay trick.
 */
export function parseAddress(input: string, options: { utf8?: boolean } = {}): ParsedAddress {
  const at = input.lastIndexOf('@');
  if (at <= 0 || at === input.length - 1) throw new AddressError(`invalid address "${input}"`);
  const local = input.slice(0, at);
  const domainPart = input.slice(at + 1);
  // 64 octets (RFC 5321 §4.5.3.1); SRS return addresses of forwarded mail are often longer.
  const maxLocal = isSrsLocalPart(local) ? 255 : 64;
  if (local.length > maxLocal && !QUOTED.test(local)) throw new AddressError('local part too long');
  const localOk =
    DOT_ATOM_ASCII.test(local) || QUOTED.test(local) || (options.utf8 === true && DOT_ATOM_UTF8.test(local));
  if (!localOk) throw new AddressError(`invalid local part in "${input}"`);
  if (domainPart.startsWith('[')) throw new AddressError('address literals are not accepted');
  if (!options.utf8 && /[^\x00-\x7f]/.test(domainPart))
    throw new AddressError('8-bit domain without SMTPUTF8');
  const domain = normaliseDomain(domainPart);
  const address = `${local}@${domain}`;
  return { local, domain, address, key: address.toLowerCase() };
}

/** True if `value` parses as an address. */
export function isValidAddress(value: string, options: { utf8?: boolean } = {}): boolean {
  try {
    parseAddress(value, options);
    return true;
  } catch {
    return false;
  }
}
