/**
 * The ItemOperations request (MS-ASCMD §2.2.1.10) read into operations, in request order:
 * Fetch (by FileReference, by CollectionId + ServerId, or by a Search LongId), EmptyFolderContents
 * and Move. Nothing here touches a store; an operation that does not parse is `invalid`.
 */
import type { ProtocolVersion } from '../protocol';
import { parseRange, renderOptions, type Range } from '../search/request-options';
import type { RenderOptions } from '../sync/item-source';
import { pageOf } from '../wbxml/code-pages';
import { child, type EasElement } from '../wbxml/tree';

const IO = pageOf('ItemOperations')!;
const AIRSYNC = pageOf('AirSync')!;
const BASE = pageOf('AirSyncBase')!;
const SEARCH = pageOf('Search')!;

export type FetchTarget =
  | { kind: 'attachment'; fileReference: string }
  | { kind: 'item'; collectionId: string; serverId: string; longId: boolean };

export type ItemOperation =
  | { op: 'fetch'; store: string; target: FetchTarget; range: Range | null; render: RenderOptions }
  | { op: 'empty'; collectionId: string; deleteSubFolders: boolean }
  | { op: 'move'; conversationId: Buffer | string; dstFldId: string }
  | { op: 'invalid'; name: string };

/** The most operations one request may carry (each Fetch may read a whole attachment). */
export const MAX_OPERATIONS = 100;

const text = (node: EasElement | undefined): string | undefined =>
  node?.text ?? (node?.opaque ? node.opaque.toString('utf8') : undefined);

function fetchOperation(node: EasElement, version: ProtocolVersion): ItemOperation {
  const store = text(child(node, 'Store', IO));
  const options = child(node, 'Options', IO);
  const rangeText = text(child(options, 'Range', IO));
  const range = parseRange(rangeText);
  if (store === undefined || (rangeText !== undefined && !range)) return { op: 'invalid', name: 'Fetch' };
  const fileReference = text(child(node, 'FileReference', BASE));
  const serverId = text(child(node, 'ServerId', AIRSYNC));
  const longId = text(child(node, 'LongId', SEARCH));
  const collection = text(child(node, 'CollectionId', AIRSYNC));
  const render = renderOptions(options, version);
  let target: FetchTarget | null = null;
  if (fileReference !== undefined) target = { kind: 'attachment', fileReference };
  else if (serverId !== undefined || longId !== undefined) {
    const id = (serverId ?? longId)!;
    // A ServerId names its folder ("m12:345" is in "m12"); a CollectionId must agree with it.
    const folder = id.includes(':') ? id.slice(0, id.indexOf(':')) : undefined;
    const collectionId = collection ?? folder;
    if (collectionId !== undefined && (folder === undefined || folder === collectionId))
      target = { kind: 'item', collectionId, serverId: id, longId: serverId === undefined };
  }
  if (!target) return { op: 'invalid', name: 'Fetch' };
  return { op: 'fetch', store, target, range, render };
}

export function parseItemOperations(body: EasElement, version: ProtocolVersion): ItemOperation[] | null {
  if (body.page !== IO || body.name !== 'ItemOperations') return null;
  if (body.children.length === 0 || body.children.length > MAX_OPERATIONS) return null;
  return body.children.map((node): ItemOperation => {
    if (node.page !== IO) return { op: 'invalid', name: node.name };
    if (node.name === 'Fetch') return fetchOperation(node, version);
    if (node.name === 'EmptyFolderContents') {
      const collectionId = text(child(node, 'CollectionId', AIRSYNC));
      if (collectionId === undefined) return { op: 'invalid', name: node.name };
      const deleteSubFolders = child(child(node, 'Options', IO), 'DeleteSubFolders', IO) !== undefined;
      return { op: 'empty', collectionId, deleteSubFolders };
    }
    if (node.name === 'Move') {
      const conversation = child(node, 'ConversationId', IO);
      const dstFldId = text(child(node, 'DstFldId', IO));
      const conversationId = conversation?.opaque ?? conversation?.text;
      if (conversationId === undefined || dstFldId === undefined) return { op: 'invalid', name: node.name };
      return { op: 'move', conversationId, dstFldId };
    }
    return { op: 'invalid', name: node.name };
  });
}
