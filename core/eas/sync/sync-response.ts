/**
 * airsync elements of a Sync response (MS-ASCMD §2.2.1.21.2): one Collection with its SyncKey,
 * CollectionId and Status, the results of the client's commands (Responses), the server's
 * changes (Commands) and MoreAvailable. Order as in MS-ASCMD §2.2.3.29.2 and its examples.
 */
import { el, type EasElement } from '../wbxml/tree';
import type { StoredResult } from './sync-state';

/** Sync Status values (MS-ASCMD §2.2.3.177.17). */
export const SyncStatus = {
  Success: 1,
  InvalidSyncKey: 3,
  ProtocolError: 4,
  ServerError: 5,
  ConversionError: 6,
  Conflict: 7,
  ObjectNotFound: 8,
  HierarchyChanged: 12,
  IncompleteRequest: 13,
  InvalidWaitOrHeartbeat: 14,
  InvalidSyncRequest: 15,
  Retry: 16,
} as const;

export const as = (name: string, ...content: (EasElement | string | number | null | undefined | false)[]) =>
  el('AirSync', name, ...content);

export interface ServerCommands {
  adds: { serverId: string; data: EasElement }[];
  changes: { serverId: string; data: EasElement }[];
  deletes: string[];
  softDeletes: string[];
}

export const noCommands = (): ServerCommands => ({ adds: [], changes: [], deletes: [], softDeletes: [] });

export function resultElement(r: StoredResult, data?: EasElement): EasElement {
  if (r.kind === 'Add')
    return as(
      'Add',
      as('ClientId', r.clientId),
      r.serverId && as('ServerId', r.serverId),
      as('Status', r.status),
    );
  return as(r.kind, as('ServerId', r.serverId), as('Status', r.status), data);
}

export function collectionElement(
  syncKey: string | number,
  collectionId: string,
  status: number,
  parts: { results?: EasElement[]; commands?: ServerCommands; more?: boolean } = {},
): EasElement {
  const c = parts.commands;
  const commands = c
    ? [
        ...c.adds.map((a) => as('Add', as('ServerId', a.serverId), a.data)),
        ...c.changes.map((a) => as('Change', as('ServerId', a.serverId), a.data)),
        ...c.deletes.map((id) => as('Delete', as('ServerId', id))),
        ...c.softDeletes.map((id) => as('SoftDelete', as('ServerId', id))),
      ]
    : [];
  return as(
    'Collection',
    as('SyncKey', syncKey),
    as('CollectionId', collectionId),
    as('Status', status),
    parts.results && parts.results.length > 0 && as('Responses', ...parts.results),
    commands.length > 0 && as('Commands', ...commands),
    parts.more && as('MoreAvailable'),
  );
}

/** A collection answered with an error Status only (SyncKey 0 for Status 3: start over). */
export const collectionStatus = (syncKey: string, collectionId: string, status: number) =>
  collectionElement(status === SyncStatus.InvalidSyncKey ? '0' : syncKey, collectionId, status);

export const syncStatus = (status: number, limit?: number) =>
  as('Sync', as('Status', status), limit !== undefined && as('Limit', limit));
