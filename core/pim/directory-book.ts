/**
 * The domain's directory as a read-only global address book: one vCard 4 per enabled account of
 * the reader's domain (never another domain's), generated on each read. Names are "<id>.vcf".
 */
import type { SqlExecutor } from '../ports/sql';
import { etagOf } from './pim-objects';

export interface DirectoryCard {
  name: string;
  uid: string;
  data: string;
  etag: string;
  modifiedAt: Date;
}

const escapeText = (s: string) =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/([,;])/g, '\\$1');

export function directoryCard(account: { id: number; address: string; createdAt: Date }): DirectoryCard {
  const uid = `urn:nimbus:account:${account.id}`;
  const local = account.address.slice(0, account.address.lastIndexOf('@'));
  const data = [
    'BEGIN:VCARD',
    'VERSION:4.0',
    `UID:${uid}`,
    `FN:${escapeText(local)}`,
    `EMAIL;TYPE=work:${escapeText(account.address)}`,
    'KIND:individual',
    'END:VCARD',
    '',
  ].join('\r\n');
  return {
    name: `${account.id}.vcf`,
    uid,
    data,
    etag: etagOf(data, 'text/vcard'),
    modifiedAt: account.createdAt,
  };
}

export async function directoryCards(db: SqlExecutor, domain: string): Promise<DirectoryCard[]> {
  const rows = await db.query<{ id: string | number; address: string; created_at: Date | string }>(
    `SELECT a.id, a.address, a.created_at FROM accounts a JOIN domains d ON d.id = a.domain_id
     WHERE d.name = $1 AND NOT a.disabled ORDER BY a.id`,
    [domain.toLowerCase()],
  );
  return rows.rows.map((r) =>
    directoryCard({ id: Number(r.id), address: r.address, createdAt: new Date(r.created_at) }),
  );
}

/** A token that changes whenever the listing does (the directory has no change log). */
export function directoryToken(cards: DirectoryCard[]): string {
  return etagOf(cards.map((c) => `${c.name}${c.etag}`).join(','), 'directory').slice(1, 17);
}
