/**
 * What Search and Find share after the query ran: the Range (default 0–99, at most 100 results:
 * MS-ASCMD §2.2.3.143.3) and the ApplicationData of the mail hits on the page, rendered by the
 * folders' item source (the Email class), in hit order.
 */
import type { EasRequest } from '../command';
import { sourceFor, type RenderOptions } from '../sync/item-source';
import type { EasElement } from '../wbxml/tree';
import type { MailboxHit } from './mailbox-search';
import type { Range } from './request-options';

export const DEFAULT_RANGE: Range = { start: 0, end: 99 };
export const MAX_RESULTS = 100;

/** The page of `total` results a Range asks for, or null when it asks for more than allowed. */
export function page(range: Range | null): Range | null {
  const r = range ?? DEFAULT_RANGE;
  return r.end - r.start + 1 > MAX_RESULTS ? null : r;
}

export const slice = <T>(all: T[], r: Range): T[] => all.slice(r.start, r.end + 1);

/** ApplicationData (as its children) of each hit, by ServerId; hits whose folder has no source get none. */
export async function renderHits(
  request: EasRequest,
  hits: MailboxHit[],
  render: RenderOptions,
): Promise<Map<string, EasElement[]>> {
  const byFolder = new Map<string, string[]>();
  for (const h of hits) byFolder.set(h.collectionId, [...(byFolder.get(h.collectionId) ?? []), h.serverId]);
  const out = new Map<string, EasElement[]>();
  for (const [collectionId, ids] of byFolder) {
    const source = sourceFor(request.deps.items, collectionId);
    if (!source) continue;
    const data = await source.applicationData(request.account.id, collectionId, ids, render);
    for (const [id, app] of data) out.set(id, app.children);
  }
  return out;
}
