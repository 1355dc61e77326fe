/**
 * Search (MS-ASCMD §2.2.1.16): the Mailbox store through the IMAP search engine over the
 * account's own folders (results: Class, LongId = the ServerId, CollectionId, Properties from the
 * Email source), and the GAL store as the domain's directory (core/eas/search/gal.ts). Store
 * Status (§2.2.3.177.13): 2 invalid request or folder, 3 server error, 8 too complex, 12 a Range
 * beyond 100 results. DocumentLibrary and other stores: Status 2 (not offered).
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { galEntries, galMatches, galProperties } from '../search/gal';
import { DEFAULT_MAILBOX_SEARCH_LIMITS, searchMailboxes } from '../search/mailbox-search';
import type { Range } from '../search/request-options';
import { page, renderHits, slice } from '../search/results';
import { parseSearch, type ParsedSearch } from '../search/search-parse';
import { el, type EasElement } from '../wbxml/tree';

export const SearchStatus = {
  Success: 1,
  InvalidRequest: 2,
  ServerError: 3,
  TooComplex: 8,
  EndOfRange: 12,
} as const;

const S = 'Search';

const store = (status: number, ...content: (EasElement | false)[]) =>
  reply(
    el(
      S,
      'Search',
      el(S, 'Status', 1),
      el(S, 'Response', el(S, 'Store', el(S, 'Status', status), ...content)),
    ),
  );

function results(items: EasElement[], r: Range, total: number): (EasElement | false)[] {
  if (items.length === 0) return [el(S, 'Result'), el(S, 'Total', total)];
  return [...items, el(S, 'Range', `${r.start}-${r.start + items.length - 1}`), el(S, 'Total', total)];
}

async function mailbox(request: EasRequest, parsed: Extract<ParsedSearch, { store: 'mailbox' }>) {
  const r = page(parsed.range);
  if (!r) return store(SearchStatus.EndOfRange);
  const maxScan = request.deps.limits?.maxSearchScan ?? DEFAULT_MAILBOX_SEARCH_LIMITS.maxScan;
  const hits = await searchMailboxes(request.deps, request.account.id, parsed.query, { maxScan });
  if (!hits) return store(SearchStatus.InvalidRequest);
  const shown = slice(hits, r);
  const data = await renderHits(request, shown, parsed.render);
  const items = shown.map((h) =>
    el(
      S,
      'Result',
      el('AirSync', 'Class', 'Email'),
      el(S, 'LongId', h.serverId),
      el('AirSync', 'CollectionId', h.collectionId),
      el(S, 'Properties', ...(data.get(h.serverId) ?? [])),
    ),
  );
  return store(SearchStatus.Success, ...results(items, r, hits.length));
}

async function gal(request: EasRequest, parsed: Extract<ParsedSearch, { store: 'gal' }>) {
  const r = page(parsed.range);
  if (!r) return store(SearchStatus.EndOfRange);
  const found = (await galEntries(request.deps.db, request.account.address)).filter((e) =>
    galMatches(e, parsed.query),
  );
  const items = slice(found, r).map((e) => el(S, 'Result', el(S, 'Properties', ...galProperties(e))));
  return store(SearchStatus.Success, ...results(items, r, found.length));
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const parsed = request.body ? parseSearch(request.body, request.version) : 'invalid';
  if (parsed === 'invalid') return store(SearchStatus.InvalidRequest);
  if (parsed === 'too-complex') return store(SearchStatus.TooComplex);
  if (parsed.store === 'unsupported') return store(SearchStatus.InvalidRequest);
  return parsed.store === 'gal' ? gal(request, parsed) : mailbox(request, parsed);
}

export const searchCommand: EasCommand = {
  name: 'Search',
  root: { namespace: S, name: 'Search' },
  needsPolicy: true,
  handle,
};
