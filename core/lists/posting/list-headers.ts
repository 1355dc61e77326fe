import libmime from 'libmime';
import { listAddresses, type PostingList } from './types';
import { makeField } from './header-block';

/** Fields a list replaces on every post: the poster's (or a previous list's) values never pass. */
const REPLACED = new Set([
  'list-id',
  'list-help',
  'list-subscribe',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-post',
  'list-owner',
  'list-archive',
  'archived-at',
  'precedence',
  'errors-to',
  'sender',
  'return-path',
]);

/** True for fields the list drops from the incoming post (ours go on instead). */
export function isReplacedField(name: string): boolean {
  // X-Nimbus-* steer local delivery (folder, quarantine): the poster's verdict must not travel.
  return REPLACED.has(name) || name.startsWith('x-nimbus-');
}

/** A display name as a phrase: RFC 2047-encoded when not ASCII, quoted otherwise. */
export function phrase(name: string): string {
  const clean = name.replace(/[\r\n"\\]/g, ' ').trim();
  if (/[^\x20-\x7e]/.test(clean)) return libmime.encodeWord(clean, 'Q', 52);
  return `"${clean}"`;
}

/** RFC 2919 list identifier: the address with '@' turned into '.'. */
export function listIdOf(address: string): string {
  return address.toLowerCase().replace('@', '.');
}

/**
 * The list header fields of the base copy (RFC 2919 List-Id, RFC 2369 List-*, RFC 5064
 * Archived-At, Precedence, X-Loop for loop detection, Sender for the list as the sending agent).
 * List-Unsubscribe is per member (see personalize.ts).
 */
export function listFields(
  list: PostingList,
  archive: { url: string | null; listUrl?: string | null },
): string[] {
  const a = listAddresses(list.address);
  const fields = [
    makeField('List-Id', `${phrase(list.name)} <${listIdOf(list.address)}>`),
    makeField('List-Help', `<mailto:${a.request}?subject=help>`),
    makeField('List-Subscribe', `<mailto:${a.join}?subject=subscribe>`),
    makeField('List-Post', `<mailto:${list.address}>`),
    makeField('List-Owner', `<mailto:${a.owner}>`),
  ];
  if (archive.listUrl) fields.push(makeField('List-Archive', `<${archive.listUrl}>`));
  if (archive.url) fields.push(makeField('Archived-At', `<${archive.url}>`));
  fields.push(
    makeField('Precedence', 'list'),
    makeField('X-Loop', list.address.toLowerCase()),
    makeField('Sender', `<${a.bounces}>`),
  );
  return fields;
}

/** The per-member unsubscribe fields (RFC 2369 mailto + RFC 8058 one-click https). */
export function unsubscribeFields(list: PostingList, oneClickUrl: string): string[] {
  const a = listAddresses(list.address);
  return [
    makeField('List-Unsubscribe', `<mailto:${a.leave}?subject=unsubscribe>, <${oneClickUrl}>`),
    makeField('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'),
  ];
}
