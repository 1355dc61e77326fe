/**
 * Sync tokens (RFC 6578 §3.2: URIs): the collection id and its revision from the SQL change log,
 * so a token works on every node and after restarts. The directory book has no log: its token
 * is a digest of the listing.
 */
import { DavError } from './xml';

const PREFIX = 'http://nimbus-mail.org/ns/sync/';

export const syncToken = (collectionId: number, revision: number) => `${PREFIX}${collectionId}-${revision}`;
export const directorySyncToken = (digest: string) => `${PREFIX}directory-${digest}`;

const invalid = () =>
  new DavError(403, 'the sync token is not valid for this collection', '{DAV:}valid-sync-token');

/** The revision in a token of this collection; null for an empty token (initial sync). */
export function parseSyncToken(token: string, collectionId: number): number | null {
  const text = token.trim();
  if (text === '') return null;
  if (!text.startsWith(PREFIX)) throw invalid();
  const m = /^(\d+)-(\d+)$/.exec(text.slice(PREFIX.length));
  if (!m || Number(m[1]) !== collectionId) throw invalid();
  const revision = Number(m[2]);
  if (!Number.isSafeInteger(revision)) throw invalid();
  return revision;
}

export { invalid as invalidSyncToken };
