/**
 * GetItemEstimate (MS-ASCMD §2.2.1.9): how many changes a Sync would bring in each collection,
 * for the device's SyncKey and FilterType. Status 2 for a collection that is not the device's,
 * 3 when it was never synced (or SyncKey 0), 4 for a SyncKey that is not the current one.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { pendingCount } from '../sync/pending';
import { resolveCollection, type SyncContext } from '../sync/sync-engine';
import { mergeOptions, parseOptions, SyncProtocolError } from '../sync/sync-options';
import { loadSyncState } from '../sync/sync-state';
import { child, childrenNamed, el, textAt, type EasElement } from '../wbxml/tree';

export const EstimateStatus = {
  Success: 1,
  InvalidCollection: 2,
  NotPrimed: 3,
  InvalidSyncKey: 4,
} as const;

const g = (name: string, ...content: (EasElement | string | number | null | undefined | false)[]) =>
  el('GetItemEstimate', name, ...content);

const MAX_COLLECTIONS = 300;

function response(status: number, collectionId: string | undefined, estimate?: number): EasElement {
  return g(
    'Response',
    g('Status', status),
    collectionId !== undefined &&
      g('Collection', g('CollectionId', collectionId), estimate !== undefined && g('Estimate', estimate)),
  );
}

async function estimate(ctx: SyncContext, node: EasElement): Promise<EasElement> {
  const collectionId = textAt(node, 'CollectionId')?.trim();
  const syncKey = textAt(node, 'SyncKey')?.trim();
  if (!collectionId || !/^[A-Za-z0-9:_-]{1,128}$/.test(collectionId))
    return response(EstimateStatus.InvalidCollection, collectionId?.slice(0, 128));
  const resolved = await resolveCollection(ctx, collectionId);
  if (!resolved) return response(EstimateStatus.InvalidCollection, collectionId);
  const state = await loadSyncState(ctx.db, ctx.deviceRowId, collectionId);
  if (!state || syncKey === undefined || syncKey === '0')
    return response(EstimateStatus.NotPrimed, collectionId);
  if (syncKey !== String(state.syncKey)) return response(EstimateStatus.InvalidSyncKey, collectionId);
  const sent = childrenNamed(node, 'Options').map(parseOptions);
  // 12.x style: FilterType directly in the Collection.
  const direct = textAt(node, 'FilterType');
  if (direct !== undefined)
    sent.push(parseOptions(el('AirSync', 'Options', el('AirSync', 'FilterType', direct))));
  const options = mergeOptions(state.options, sent, resolved.itemClass);
  const count = await pendingCount(resolved.source, ctx.accountId, collectionId, resolved.itemClass, {
    snapshot: state.snapshot,
    options,
  });
  return response(EstimateStatus.Success, collectionId, count);
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const body = request.body;
  const collections = childrenNamed(child(body ?? undefined, 'Collections'), 'Collection');
  if (
    !body ||
    body.name !== 'GetItemEstimate' ||
    collections.length === 0 ||
    collections.length > MAX_COLLECTIONS
  )
    return reply(g('GetItemEstimate', g('Status', EstimateStatus.InvalidCollection)));
  const ctx: SyncContext = {
    db: request.deps.db,
    accountId: request.account.id,
    deviceRowId: request.device.id,
    version: request.version,
    sources: request.deps.items,
  };
  const responses: EasElement[] = [];
  for (const c of collections) {
    try {
      responses.push(await estimate(ctx, c));
    } catch (error) {
      if (!(error instanceof SyncProtocolError)) throw error;
      responses.push(response(EstimateStatus.InvalidCollection, textAt(c, 'CollectionId')?.slice(0, 128)));
    }
  }
  return reply(g('GetItemEstimate', ...responses));
}

export const getItemEstimateCommand: EasCommand = {
  name: 'GetItemEstimate',
  root: { namespace: 'GetItemEstimate', name: 'GetItemEstimate' },
  needsPolicy: true,
  handle,
};
