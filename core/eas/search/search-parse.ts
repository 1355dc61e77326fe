/**
 * Search (MS-ASCMD §2.2.1.16) and Find (§2.2.1.2) requests read into one query shape: a
 * Mailbox query (FreeText words, CollectionIds, Class, DateReceived bounds) or a GAL query
 * (a name prefix). Unsupported constructs (Or, EqualTo, ConversationId, deep nesting) are
 * "too complex" rather than silently ignored. Nothing here touches a store.
 */
import type { ProtocolVersion } from '../protocol';
import type { RenderOptions } from '../sync/item-source';
import { pageOf } from '../wbxml/code-pages';
import { child, type EasElement } from '../wbxml/tree';
import { parseRange, renderOptions, type Range } from './request-options';

const SEARCH = pageOf('Search')!;
const AIRSYNC = pageOf('AirSync')!;
const EMAIL = pageOf('Email')!;
const FIND = pageOf('Find')!;

export interface MailboxQuery {
  /** Every word must occur in the message (headers or body), case-insensitively. */
  words: string[];
  /** Folders to search; empty: all the account's mail folders. */
  collectionIds: string[];
  /** airsync:Class values asked for; empty: any (only Email is searchable). */
  classes: string[];
  /** Search:DeepTraversal: the subfolders of the CollectionIds too. */
  deepTraversal?: boolean;
  /** DateReceived strictly after / before. */
  after?: Date;
  before?: Date;
}

export type SearchFailure = 'invalid' | 'too-complex';

export type ParsedSearch =
  | { store: 'mailbox'; query: MailboxQuery; range: Range | null; render: RenderOptions }
  | { store: 'gal'; query: string; range: Range | null }
  | { store: 'unsupported'; name: string };

/** Bounds on what a client may ask for. */
export const QUERY_LIMITS = { maxWords: 16, maxWordLength: 256, maxDepth: 4, maxQueryLength: 1024 };

/** FreeText (or KQL in Find) into plain words: quotes, OR/AND and "field:" prefixes dropped. */
export function freeTextWords(text: string): string[] | null {
  if (text.length > QUERY_LIMITS.maxQueryLength) return null;
  const words = new Set<string>();
  for (const token of text.match(/"[^"]*"|\S+/g) ?? []) {
    if (/^(OR|AND|NOT)$/.test(token)) continue;
    const bare = token
      .replace(/^[A-Za-z]+:(?=.)/, '')
      .replace(/^"|"$/g, '')
      .trim();
    for (const w of bare.split(/\s+/)) if (w) words.add(w.toLowerCase());
  }
  if (words.size > QUERY_LIMITS.maxWords || [...words].some((w) => w.length > QUERY_LIMITS.maxWordLength))
    return null;
  return [...words];
}

function dateBound(node: EasElement): Date | null {
  const field = node.children.find((c) => c.page === EMAIL && c.name === 'DateReceived');
  const value = child(node, 'Value', SEARCH)?.text;
  if (!field || value === undefined || node.children.length !== 2) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Walks Search's Query (And, Class, CollectionId, FreeText, GreaterThan, LessThan). */
function readQuery(node: EasElement, out: MailboxQuery, depth: number): SearchFailure | null {
  if (depth > QUERY_LIMITS.maxDepth) return 'too-complex';
  for (const c of node.children) {
    if (c.page === SEARCH && c.name === 'And') {
      const failed = readQuery(c, out, depth + 1);
      if (failed) return failed;
    } else if (c.page === AIRSYNC && c.name === 'Class' && c.text) out.classes.push(c.text);
    else if (c.page === AIRSYNC && c.name === 'CollectionId' && c.text) out.collectionIds.push(c.text);
    else if (c.page === SEARCH && c.name === 'FreeText') {
      const words = freeTextWords(c.text ?? '');
      if (!words) return 'too-complex';
      out.words.push(...words);
    } else if (c.page === SEARCH && (c.name === 'GreaterThan' || c.name === 'LessThan')) {
      const date = dateBound(c);
      if (!date) return 'invalid';
      if (c.name === 'GreaterThan') out.after = date;
      else out.before = date;
    } else if (c.page === SEARCH && ['Or', 'EqualTo', 'ConversationId'].includes(c.name))
      return 'too-complex';
    else return 'invalid';
  }
  if (out.words.length > QUERY_LIMITS.maxWords) return 'too-complex';
  return null;
}

const emptyQuery = (): MailboxQuery => ({ words: [], collectionIds: [], classes: [] });

export function parseSearch(body: EasElement, version: ProtocolVersion): ParsedSearch | SearchFailure {
  if (body.page !== SEARCH || body.name !== 'Search') return 'invalid';
  const stores = body.children.filter((c) => c.page === SEARCH && c.name === 'Store');
  if (stores.length !== 1 || body.children.length !== 1) return 'invalid';
  const store = stores[0];
  const name = child(store, 'Name', SEARCH)?.text;
  const query = child(store, 'Query', SEARCH);
  const options = child(store, 'Options', SEARCH);
  const rangeText = child(options, 'Range', SEARCH)?.text;
  const range = parseRange(rangeText);
  if (!name || !query || (rangeText !== undefined && !range)) return 'invalid';
  if (name === 'GAL') {
    const text = query.text?.trim();
    if (!text || query.children.length > 0 || text.length > QUERY_LIMITS.maxWordLength) return 'invalid';
    return { store: 'gal', query: text, range };
  }
  if (name !== 'Mailbox') return { store: 'unsupported', name };
  const parsed = emptyQuery();
  const failed = readQuery(query, parsed, 0);
  if (failed) return failed;
  if (child(options, 'DeepTraversal', SEARCH)) parsed.deepTraversal = true;
  return { store: 'mailbox', query: parsed, range, render: renderOptions(options, version) };
}

export interface ParsedFind {
  searchId: string;
  search: ParsedSearch;
}

/** Find: SearchId, then ExecuteSearch with a MailBoxSearchCriterion or a GALSearchCriterion. */
export function parseFind(body: EasElement, version: ProtocolVersion): ParsedFind | SearchFailure {
  if (body.page !== FIND || body.name !== 'Find') return 'invalid';
  const searchId = child(body, 'SearchId', FIND)?.text;
  const execute = child(body, 'ExecuteSearch', FIND);
  if (!searchId || searchId.length > 128 || !execute || execute.children.length !== 1) return 'invalid';
  const criterion = execute.children[0];
  const query = child(criterion, 'Query', FIND);
  const options = child(criterion, 'Options', FIND);
  const rangeText = child(options, 'Range', FIND)?.text;
  const range = parseRange(rangeText);
  if (!query || criterion.page !== FIND || (rangeText !== undefined && !range)) return 'invalid';
  if (criterion.name === 'GALSearchCriterion') {
    const text = query.text?.trim();
    if (!text || text.length > QUERY_LIMITS.maxWordLength) return 'invalid';
    return { searchId, search: { store: 'gal', query: text, range } };
  }
  if (criterion.name !== 'MailBoxSearchCriterion') return 'invalid';
  const parsed = emptyQuery();
  for (const c of query.children) {
    if (c.page === AIRSYNC && c.name === 'Class' && c.text) parsed.classes.push(c.text);
    else if (c.page === AIRSYNC && c.name === 'CollectionId' && c.text) parsed.collectionIds.push(c.text);
    else if (c.page === FIND && c.name === 'FreeText') {
      const words = freeTextWords(c.text ?? '');
      if (!words) return 'too-complex';
      parsed.words.push(...words);
    } else return 'invalid';
  }
  if (child(options, 'DeepTraversal', FIND)) parsed.deepTraversal = true;
  return {
    searchId,
    search: { store: 'mailbox', query: parsed, range, render: renderOptions(options, version) },
  };
}
