/**
 * sync-collection (RFC 6578), sync-level 1 with DAV:limit: changed members with their properties,
 * removed ones as 404, and the new token. A token of another collection, from the future or older
 * than the kept change log fails DAV:valid-sync-token (403); the client then syncs from scratch.
 */
import type { Element } from '@xmldom/xmldom';
import { directoryCards, directoryToken } from '../../core/pim/directory-book';
import type { DavContext } from './context';
import { collectionHref } from './members';
import { multistatus, propRequest, propstatsFor, responseWithProps, responseWithStatus } from './multistatus';
import { collectionPath, DIRECTORY_BOOK } from './paths';
import type { Resource } from './resource';
import { dataFor, dataRequest } from './report-data';
import { directorySyncToken, invalidSyncToken, parseSyncToken, syncToken } from './sync-token';
import { child, DavError, element, escapeXml, NS, textOf } from './xml';

function limitOf(report: Element): number | undefined {
  const limit = child(report, NS.dav, 'limit');
  if (!limit) return undefined;
  const n = Number(textOf(child(limit, NS.dav, 'nresults')).trim());
  if (!Number.isInteger(n) || n < 1) throw new DavError(400, 'DAV:nresults must be a positive integer');
  return n;
}

export async function syncCollection(dav: DavContext, resource: Resource, report: Element): Promise<string> {
  const level = textOf(child(report, NS.dav, 'sync-level')).trim();
  if (level !== '' && level !== '1' && level !== 'infinite')
    throw new DavError(400, 'DAV:sync-level must be 1 or infinite');
  const tokenText = textOf(child(report, NS.dav, 'sync-token'));
  const request = propRequest(report);
  const data = dataRequest(report);
  const limit = limitOf(report);
  if (resource.type === 'directory') {
    const cards = await directoryCards(dav.store.db, dav.user.domain);
    const token = directorySyncToken(directoryToken(cards));
    if (tokenText.trim() !== '' && tokenText.trim() !== token) throw invalidSyncToken();
    const base = collectionPath('addressbooks', resource.owner.address, DIRECTORY_BOOK);
    const changed = tokenText.trim() === token ? [] : cards;
    const responses = [];
    for (const card of changed)
      responses.push(
        responseWithProps(
          base + card.name,
          await propstatsFor(
            dav,
            { type: 'card', card },
            request,
            {},
            dataFor(data, 'text/vcard', card.data),
          ),
        ),
      );
    return multistatus(responses, element('{DAV:}sync-token', escapeXml(token)));
  }
  if (resource.type !== 'collection')
    throw new DavError(403, 'sync-collection is for collections', '{DAV:}supported-report');
  const { collection, owner, access } = resource;
  const since = parseSyncToken(tokenText, collection.id);
  const changes = await dav.store.changes(collection, since, limit);
  if (changes.truncated) throw invalidSyncToken();
  const base = collectionHref(owner.address, collection);
  const responses: string[] = [];
  for (const object of changes.changed)
    responses.push(
      responseWithProps(
        base + object.name,
        await propstatsFor(
          dav,
          { type: 'object', owner, collection, object, access },
          request,
          object.deadProps,
          dataFor(data, object.contentType, object.data, {
            timezone: collection.timezone,
            maxInstances: dav.store.limits.maxInstances,
          }),
        ),
      ),
    );
  for (const name of changes.deleted) responses.push(responseWithStatus(base + name, 404));
  // More than the limit: the request-URI with 507 tells the client to ask again (§3.6).
  if (changes.revision < collection.syncRevision)
    responses.push(responseWithStatus(base, 507, '{DAV:}number-of-matches-within-limits'));
  return multistatus(
    responses,
    element('{DAV:}sync-token', escapeXml(syncToken(collection.id, changes.revision))),
  );
}
