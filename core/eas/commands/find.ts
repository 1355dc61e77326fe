/**
 * Find (MS-ASCMD §2.2.1.2, 16.1): a mailbox search like Search's (FreeText as words: the KQL
 * field prefixes and OR are dropped, so `subject:"x" OR "x"` finds messages containing x) or a
 * GAL search, with the Find result schema (Subject, DateReceived, DisplayTo, DisplayCc, Read,
 * IsDraft, Preview, HasAttachments, From …). Status (§2.2.3.177.2): 2 invalid request (another
 * account's folder included), 4 a Range not starting at 0.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { galEntries, galMatches, galProperties } from '../search/gal';
import { DEFAULT_MAILBOX_SEARCH_LIMITS, searchMailboxes } from '../search/mailbox-search';
import type { Range } from '../search/request-options';
import { page, renderHits, slice } from '../search/results';
import { parseFind, type ParsedSearch } from '../search/search-parse';
import { el, type EasElement } from '../wbxml/tree';

const F = 'Find';
export const FindStatus = {
  Success: 1,
  InvalidRequest: 2,
  FolderSyncRequired: 3,
  StartWithRangeZero: 4,
} as const;

const top = (status: number, response?: EasElement) =>
  reply(el(F, 'Find', el(F, 'Status', status), response));

function response(status: number, items: EasElement[] = [], r?: Range, total = 0): EasElement {
  return el(
    F,
    'Response',
    el('ItemOperations', 'Store', 'Mailbox'),
    el(F, 'Status', status),
    ...items,
    items.length > 0 && r && el(F, 'Range', `${r.start}-${r.start + items.length - 1}`),
    status === FindStatus.Success && el(F, 'Total', total),
  );
}

/** The Find properties of an item from its Email ApplicationData. */
function findProperties(data: EasElement[]): EasElement[] {
  const pick = (page: string, name: string) =>
    data.find((d) => d.name === name && d.page === el(page, name).page);
  const body = pick('AirSyncBase', 'Body');
  const preview = body?.children.find((c) => c.name === 'Preview')?.text;
  const attachments = pick('AirSyncBase', 'Attachments');
  const cc = pick('Email', 'Cc')?.text;
  return [
    pick('Email', 'Subject'),
    pick('Email', 'DateReceived'),
    pick('Email', 'DisplayTo'),
    cc !== undefined && el(F, 'DisplayCc', cc),
    pick('Email', 'Importance'),
    pick('Email', 'Read'),
    pick('Email2', 'IsDraft'),
    preview !== undefined && el(F, 'Preview', preview),
    el(F, 'HasAttachments', attachments && attachments.children.length > 0 ? 1 : 0),
    pick('Email', 'From'),
  ].filter((e): e is EasElement => !!e);
}

async function mailbox(request: EasRequest, parsed: Extract<ParsedSearch, { store: 'mailbox' }>, r: Range) {
  const maxScan = request.deps.limits?.maxSearchScan ?? DEFAULT_MAILBOX_SEARCH_LIMITS.maxScan;
  const hits = await searchMailboxes(request.deps, request.account.id, parsed.query, { maxScan });
  if (!hits) return top(FindStatus.Success, response(FindStatus.InvalidRequest));
  const shown = slice(hits, r);
  const data = await renderHits(request, shown, parsed.render);
  const items = shown.map((h) =>
    el(
      F,
      'Result',
      el('AirSync', 'Class', 'Email'),
      el('AirSync', 'ServerId', h.serverId),
      el('AirSync', 'CollectionId', h.collectionId),
      el(F, 'Properties', ...findProperties(data.get(h.serverId) ?? [])),
    ),
  );
  return top(FindStatus.Success, response(FindStatus.Success, items, r, hits.length));
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const parsed = request.body ? parseFind(request.body, request.version) : 'invalid';
  if (parsed === 'invalid' || parsed === 'too-complex') return top(FindStatus.InvalidRequest);
  const search = parsed.search;
  if (search.store === 'unsupported') return top(FindStatus.InvalidRequest);
  if (search.range && search.range.start !== 0)
    return top(FindStatus.Success, response(FindStatus.StartWithRangeZero));
  const r = page(search.range);
  if (!r) return top(FindStatus.InvalidRequest);
  if (search.store === 'mailbox') return mailbox(request, search, r);
  const found = (await galEntries(request.deps.db, request.account.address)).filter((e) =>
    galMatches(e, search.query),
  );
  const items = slice(found, r).map((e) => el(F, 'Result', el(F, 'Properties', ...galProperties(e))));
  return top(FindStatus.Success, response(FindStatus.Success, items, r, found.length));
}

export const findCommand: EasCommand = {
  name: 'Find',
  root: { namespace: F, name: 'Find' },
  needsPolicy: true,
  handle,
};
