/**
 * ItemOperations Fetch in the Mailbox store: an attachment by FileReference (its bytes as base64
 * itemoperations:Data, cut to the requested byte Range with Total), or an item by CollectionId +
 * ServerId (or a Search LongId) rendered by its folder's item source. Another account's
 * reference, folder or item is "not found" (Status 6), never data.
 */
import { readAttachment } from '../attachments';
import type { EasRequest } from '../command';
import { sourceFor } from '../sync/item-source';
import { el, type EasElement } from '../wbxml/tree';
import type { FetchTarget, ItemOperation } from './item-operations-parse';

/** MS-ASCMD §2.2.3.177.8. */
export const IoStatus = {
  Success: 1,
  ProtocolError: 2,
  ServerError: 3,
  NotFound: 6,
  BadRange: 8,
  StoreUnsupported: 9,
  TooLarge: 11,
} as const;

const AIRSYNC = 'AirSync';
const IO = 'ItemOperations';

function failed(status: number, target: FetchTarget): EasElement {
  return target.kind === 'attachment'
    ? el(IO, 'Fetch', el(IO, 'Status', status), el('AirSyncBase', 'FileReference', target.fileReference))
    : el(
        IO,
        'Fetch',
        el(IO, 'Status', status),
        el(AIRSYNC, 'CollectionId', target.collectionId),
        target.longId ? el('Search', 'LongId', target.serverId) : el(AIRSYNC, 'ServerId', target.serverId),
      );
}

async function fetchAttachment(
  request: EasRequest,
  fetch: Extract<ItemOperation, { op: 'fetch' }>,
  reference: string,
): Promise<EasElement> {
  const target = fetch.target;
  if (!request.deps.policy.attachmentsEnabled) return failed(IoStatus.NotFound, target);
  const found = await readAttachment(request.deps, request.account.id, reference);
  if (!found) return failed(IoStatus.NotFound, target);
  const limit = request.deps.policy.maxAttachmentSize;
  if (limit > 0 && found.data.length > limit) return failed(IoStatus.TooLarge, target);
  const total = found.data.length;
  let data = found.data;
  let range: string | null = null;
  if (fetch.range) {
    if (total > 0 && fetch.range.start >= total) return failed(IoStatus.BadRange, target);
    const end = Math.min(fetch.range.end, total - 1);
    data = found.data.subarray(fetch.range.start, end + 1);
    range = total === 0 ? null : `${fetch.range.start}-${end}`;
  }
  return el(
    IO,
    'Fetch',
    el(IO, 'Status', IoStatus.Success),
    el('AirSyncBase', 'FileReference', reference),
    el(
      IO,
      'Properties',
      el('AirSyncBase', 'ContentType', found.contentType),
      range !== null && el(IO, 'Range', range),
      fetch.range && el(IO, 'Total', total),
      el(IO, 'Data', data.toString('base64')),
    ),
  );
}

async function fetchItem(
  request: EasRequest,
  fetch: Extract<ItemOperation, { op: 'fetch' }>,
  target: Extract<FetchTarget, { kind: 'item' }>,
): Promise<EasElement> {
  const source = sourceFor(request.deps.items, target.collectionId);
  const accountId = request.account.id;
  const cls = source ? await source.classOf(accountId, target.collectionId) : null;
  if (!source || !cls) return failed(IoStatus.NotFound, target);
  const rendered = await source.applicationData(
    accountId,
    target.collectionId,
    [target.serverId],
    fetch.render,
  );
  const data = rendered.get(target.serverId);
  if (!data) return failed(IoStatus.NotFound, target);
  return el(
    IO,
    'Fetch',
    el(IO, 'Status', IoStatus.Success),
    el(AIRSYNC, 'CollectionId', target.collectionId),
    target.longId ? el('Search', 'LongId', target.serverId) : el(AIRSYNC, 'ServerId', target.serverId),
    el(AIRSYNC, 'Class', cls),
    el(IO, 'Properties', ...data.children),
  );
}

export async function runFetch(
  request: EasRequest,
  fetch: Extract<ItemOperation, { op: 'fetch' }>,
): Promise<EasElement> {
  if (fetch.store.toLowerCase() !== 'mailbox') return failed(IoStatus.StoreUnsupported, fetch.target);
  return fetch.target.kind === 'attachment'
    ? fetchAttachment(request, fetch, fetch.target.fileReference)
    : fetchItem(request, fetch, fetch.target);
}
