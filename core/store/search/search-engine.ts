/**
 * IMAP SEARCH evaluation. Cheap keys (flags, sizes, dates, UIDs, MODSEQ) are answered from the
 * index columns in one query; text keys use the decoded text in message_search, filled lazily
 * (the first text search of a message parses it once and stores its text).
 */
import { extractSearchText, type MessageStructure } from '../../mime';
import type { BlobStore } from '../../ports/blob-store';
import type { SqlExecutor } from '../../ports/sql';
import { ADDRESS_FIELDS, addressText } from './address-match';
import {
  evaluateObjectKey,
  objectNeeds,
  servedSizes,
  threadIdsFor,
  type ObjectSearchKey,
  type ThreadAssigner,
} from './object-keys';

export type CoreSearchKey =
  | { op: 'all' }
  | { op: 'none' }
  | { op: 'and'; keys: CoreSearchKey[] }
  | { op: 'or'; left: CoreSearchKey; right: CoreSearchKey }
  | { op: 'not'; key: CoreSearchKey }
  | { op: 'uids'; uids: Set<number> }
  | { op: 'flag'; flag: string; present: boolean }
  | { op: 'header'; field: string; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'date'; field: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; date: Date }
  | { op: 'size'; cmp: 'larger' | 'smaller'; size: number }
  | { op: 'modseq'; modseq: number }
  | { op: 'age'; cmp: 'older' | 'younger'; seconds: number }
  | ObjectSearchKey;

export interface SearchRow {
  id: number;
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: Date;
  size: number;
  envelope?: MessageStructure['envelope'];
  text?: { headers: string; body: string };
  /** SAVEDATE and THREADID, read only when a key needs them (object-keys.ts). */
  savedAt?: Date;
  threadId?: number | null;
}

export interface SearchNeeds {
  envelope: boolean;
  text: boolean;
}

function needs(key: CoreSearchKey, out: SearchNeeds): SearchNeeds {
  switch (key.op) {
    case 'and':
      key.keys.forEach((k) => needs(k, out));
      break;
    case 'or':
      needs(key.left, out);
      needs(key.right, out);
      break;
    case 'not':
      needs(key.key, out);
      break;
    case 'date':
      if (key.field === 'sent') out.envelope = true;
      break;
    case 'header':
      out.text = true;
      if (ADDRESS_FIELDS.has(key.field)) out.envelope = true;
      break;
    case 'body':
    case 'text':
      out.text = true;
      break;
  }
  return out;
}

const DAY = 86_400_000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The calendar date a Date: header names (its own timezone), as UTC midnight ms; null if unparsable. */
export function sentDay(value: string | null | undefined): number | null {
  if (!value) return null;
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(value);
  if (m) {
    const month = MONTHS.indexOf(m[2].toLowerCase());
    let year = Number(m[3]);
    if (year < 50) year += 2000;
    else if (year < 1000) year += 1900;
    if (month >= 0) return Date.UTC(year, month, Number(m[1]));
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) return null;
  const d = new Date(parsed);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** Full sent date (ms) for SORT DATE / THREAD; null if unparsable. */
export function sentTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const parsed = Date.parse(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(parsed) ? null : parsed;
}

const fold = (s: string): string => s.toLowerCase();

function headerMatches(headers: string, field: string, value: string): boolean {
  const wanted = fold(value);
  const prefix = field.toLowerCase() + ':';
  for (const line of headers.split('\n')) {
    if (line.length >= prefix.length && line.slice(0, prefix.length).toLowerCase() === prefix) {
      if (fold(line.slice(prefix.length)).includes(wanted)) return true;
    }
  }
  return false;
}

function compareDay(day: number, cmp: 'before' | 'on' | 'since', target: number): boolean {
  if (cmp === 'before') return day < target;
  if (cmp === 'on') return day === target;
  return day >= target;
}

export function evaluate(key: CoreSearchKey, row: SearchRow, now: number): boolean {
  switch (key.op) {
    case 'emailid':
    case 'threadid':
    case 'saved':
      return evaluateObjectKey(key, row);
    case 'all':
      return true;
    case 'none':
      return false;
    case 'and':
      return key.keys.every((k) => evaluate(k, row, now));
    case 'or':
      return evaluate(key.left, row, now) || evaluate(key.right, row, now);
    case 'not':
      return !evaluate(key.key, row, now);
    case 'uids':
      return key.uids.has(row.uid);
    case 'flag': {
      const lower = key.flag.toLowerCase();
      return row.flags.some((f) => f.toLowerCase() === lower) === key.present;
    }
    case 'size':
      return key.cmp === 'larger' ? row.size > key.size : row.size < key.size;
    case 'modseq':
      return row.modseq >= key.modseq;
    case 'age': {
      const age = (now - row.internalDate.getTime()) / 1000;
      return key.cmp === 'older' ? age >= key.seconds : age <= key.seconds;
    }
    case 'date': {
      const target = key.date.getTime();
      if (key.field === 'internal') {
        const d = row.internalDate;
        return compareDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()), key.cmp, target);
      }
      const day = sentDay(row.envelope?.date);
      return day !== null && compareDay(day, key.cmp, target);
    }
    case 'header':
      if (key.value === '') {
        const prefix = key.field + ':';
        return (row.text?.headers ?? '').split('\n').some((l) => l.toLowerCase().startsWith(prefix));
      }
      if (ADDRESS_FIELDS.has(key.field) && row.envelope) {
        const addresses = addressText(row.envelope, key.field);
        if (addresses !== null) return fold(addresses).includes(fold(key.value));
      }
      return headerMatches(row.text?.headers ?? '', key.field, key.value);
    case 'body':
      return fold(row.text?.body ?? '').includes(fold(key.value));
    case 'text': {
      const v = fold(key.value);
      return fold(row.text?.headers ?? '').includes(v) || fold(row.text?.body ?? '').includes(v);
    }
  }
}

export class SearchEngine {
  constructor(
    private readonly db: SqlExecutor,
    private readonly blobs: BlobStore,
    /** Gives THREADID searches every message's thread, not only those already assigned. */
    private readonly assignThreads?: ThreadAssigner,
  ) {}

  /** Rows of the mailbox restricted to `uids`, with what `key` (or `extra`) needs. */
  async rows(
    mailboxId: number,
    uids: number[],
    key: CoreSearchKey,
    extra: Partial<SearchNeeds> = {},
  ): Promise<SearchRow[]> {
    const need = needs(key, { envelope: !!extra.envelope, text: !!extra.text });
    const cols = ['id', 'uid', 'modseq', 'flags', 'internal_date', 'size'];
    if (need.envelope) cols.push(`structure->'envelope' AS envelope`);
    const objects = objectNeeds(key);
    if (objects.saved) cols.push('created_at');
    const result = await this.db.query<Record<string, unknown>>(
      `SELECT ${cols.join(', ')} FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid`,
      [mailboxId, `{${uids.join(',')}}`],
    );
    const rows: SearchRow[] = result.rows.map((r) => ({
      id: Number(r.id),
      uid: Number(r.uid),
      modseq: Number(r.modseq),
      flags: r.flags as string[],
      internalDate: new Date(r.internal_date as string),
      size: Number(r.size),
      envelope: need.envelope
        ? ((typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope) as SearchRow['envelope'])
        : undefined,
      savedAt: objects.saved ? new Date(r.created_at as string) : undefined,
    }));
    for (const [uid, size] of await servedSizes(this.db, mailboxId, uids)) {
      const row = rows.find((r) => r.uid === uid);
      if (row) row.size = size; // RFC822.SIZE counts binary parts as served (base64)
    }
    if (objects.threads) {
      const threads = await threadIdsFor(
        this.db,
        mailboxId,
        rows.map((r) => r.id),
        this.assignThreads,
      );
      for (const row of rows) row.threadId = threads.get(row.id) ?? null;
    }
    if (need.text) await this.attachText(rows);
    return rows;
  }

  async search(mailboxId: number, uids: number[], key: CoreSearchKey): Promise<SearchRow[]> {
    const rows = await this.rows(mailboxId, uids, key);
    const now = Date.now();
    return rows.filter((row) => evaluate(key, row, now));
  }

  private async attachText(rows: SearchRow[]): Promise<void> {
    if (rows.length === 0) return;
    const found = await this.db.query<{ message_id: string; headers: string; body: string }>(
      `SELECT message_id, headers, body FROM message_search WHERE message_id = ANY($1::bigint[])`,
      [`{${rows.map((r) => r.id).join(',')}}`],
    );
    const byId = new Map(found.rows.map((r) => [Number(r.message_id), { headers: r.headers, body: r.body }]));
    const missing = rows.filter((r) => !byId.has(r.id));
    if (missing.length > 0) {
      const sources = await this.db.query<{
        id: string;
        blob_key: string;
        header_prefix: unknown;
        structure: unknown;
      }>(`SELECT id, blob_key, header_prefix, structure FROM messages WHERE id = ANY($1::bigint[])`, [
        `{${missing.map((r) => r.id).join(',')}}`,
      ]);
      for (const source of sources.rows) {
        let text = { headers: '', body: '' };
        try {
          const body = await this.blobs.get(source.blob_key);
          const prefix = toBuffer(source.header_prefix);
          const structure = (
            typeof source.structure === 'string' ? JSON.parse(source.structure) : source.structure
          ) as MessageStructure;
          text = extractSearchText(Buffer.concat([prefix, body]), structure);
        } catch {
          // An unreadable blob is simply not text-searchable.
        }
        text.headers = text.headers.replace(/\u0000/g, '');
        text.body = text.body.replace(/\u0000/g, '');
        byId.set(Number(source.id), text);
        await this.db
          .query(
            `INSERT INTO message_search (message_id, headers, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [source.id, text.headers, text.body],
          )
          .catch(() => undefined);
      }
    }
    for (const row of rows) row.text = byId.get(row.id) ?? { headers: '', body: '' };
  }
}

export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string' && value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex');
  return Buffer.alloc(0);
}

export { DAY };
