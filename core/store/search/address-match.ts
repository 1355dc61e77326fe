/**
 * SEARCH FROM/TO/CC/BCC compare against the addresses, not the raw header text: comments and
 * folding whitespace are gone, so `FROM user@domain` finds `<user (comment)@ (comment) domain>`
 * (as Dovecot does). Each address reads `Display Name <mailbox@host>`, one list per field.
 */
import { decodeHeaderValue } from '../../mime';
import type { Address, Envelope } from '../../mime/types';

export const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc']);

function one(address: Address): string {
  const name = address.name ? decodeHeaderValue(address.name).replace(/\s+/g, ' ').trim() : '';
  if (address.host === null) return name ? `${address.mailbox ?? ''}:` : ''; // group markers
  const spec = `${address.mailbox ?? ''}@${address.host}`;
  return name ? `${name} <${spec}>` : `<${spec}>`;
}

/** The normalised text of an address field, or null when the message has no such field. */
export function addressText(envelope: Envelope | undefined, field: string): string | null {
  const list = envelope?.[field as 'from' | 'to' | 'cc' | 'bcc'];
  if (!list) return null;
  return list
    .map(one)
    .filter((s) => s !== '')
    .join(', ');
}
