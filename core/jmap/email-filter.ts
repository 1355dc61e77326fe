/** Email/query filters and sorts (RFC 8621 §4.4.1–4.4.2) compiled to SQL over messages m and message_search s. */
import { JmapMethodError } from './errors';
import { parseMailboxId } from './ids';
import { bigintArray } from './util';

export type Filter = Record<string, unknown>;

const TEXT_KEYS = ['text', 'from', 'to', 'cc', 'bcc', 'subject', 'body', 'header'];
const SUPPORTED = new Set([
  'inMailbox',
  'inMailboxOtherThan',
  'before',
  'after',
  'minSize',
  'maxSize',
  'hasKeyword',
  'notKeyword',
  'hasAttachment',
  ...TEXT_KEYS,
]);

const escapeLike = (s: string) => '%' + s.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles an Email/query filter to a WHERE clause; `params` collects its parameters ($1 = the account). */
export class Compiler {
  params: unknown[];
  usesText = false;
  constructor(first: unknown[]) {
    this.params = [...first];
  }
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  header(field: string, value: string): string {
    this.usesText = true;
    return `coalesce(s.headers, '') ~* ${this.p(`(^|\n)${escapeRegex(field)}:[^\n]*${escapeRegex(value)}`)}`;
  }
  compile(filter: Filter): string {
    if (typeof filter.operator === 'string') {
      const conditions = Array.isArray(filter.conditions) ? (filter.conditions as Filter[]) : [];
      const parts = conditions.map((c) => this.compile(c));
      if (parts.length === 0) return filter.operator === 'OR' ? 'FALSE' : 'TRUE';
      if (filter.operator === 'AND') return `(${parts.join(' AND ')})`;
      if (filter.operator === 'OR') return `(${parts.join(' OR ')})`;
      if (filter.operator === 'NOT') return `NOT (${parts.join(' OR ')})`;
      throw new JmapMethodError('unsupportedFilter', `operator ${filter.operator}`);
    }
    const out: string[] = [];
    for (const [key, value] of Object.entries(filter)) {
      if (!SUPPORTED.has(key)) throw new JmapMethodError('unsupportedFilter', key);
      switch (key) {
        case 'inMailbox':
          out.push(`m.mailbox_id = ${this.p(parseMailboxId(value) ?? -1)}`);
          break;
        case 'inMailboxOtherThan': {
          const ids = (Array.isArray(value) ? value : []).map((v) => parseMailboxId(v) ?? -1);
          out.push(`NOT (m.mailbox_id = ANY(${this.p(bigintArray(ids))}::bigint[]))`);
          break;
        }
        case 'before':
          out.push(`m.internal_date < ${this.p(new Date(String(value)))}`);
          break;
        case 'after':
          out.push(`m.internal_date >= ${this.p(new Date(String(value)))}`);
          break;
        case 'minSize':
          out.push(`m.size >= ${this.p(Number(value))}`);
          break;
        case 'maxSize':
          out.push(`m.size < ${this.p(Number(value))}`);
          break;
        case 'hasKeyword':
        case 'notKeyword': {
          const flag = String(value).toLowerCase();
          const imap =
            {
              $seen: '\\seen',
              $flagged: '\\flagged',
              $answered: '\\answered',
              $draft: '\\draft',
              $deleted: '\\deleted',
            }[flag] ?? flag;
          const sql = `EXISTS (SELECT 1 FROM unnest(m.flags) f WHERE lower(f) = ${this.p(imap)})`;
          out.push(key === 'hasKeyword' ? sql : `NOT ${sql}`);
          break;
        }
        case 'hasAttachment':
          out.push(`${value ? '' : 'NOT '}(lower(m.structure->'body'->>'subtype') = 'mixed')`);
          break;
        case 'text':
          this.usesText = true;
          out.push(
            `(coalesce(s.headers, '') || ' ' || coalesce(s.body, '')) ILIKE ${this.p(escapeLike(String(value)))}`,
          );
          break;
        case 'body':
          this.usesText = true;
          out.push(`coalesce(s.body, '') ILIKE ${this.p(escapeLike(String(value)))}`);
          break;
        case 'header': {
          const [name, v] = Array.isArray(value) ? (value as string[]) : [];
          if (typeof name !== 'string') throw new JmapMethodError('invalidArguments', 'header filter');
          out.push(this.header(name, v ?? ''));
          break;
        }
        default:
          out.push(this.header(key === 'subject' ? 'subject' : key, String(value)));
      }
    }
    return out.length > 0 ? `(${out.join(' AND ')})` : 'TRUE';
  }
}

const SORTS: Record<string, string> = {
  receivedAt: 'm.internal_date',
  sentAt: 'm.internal_date',
  size: 'm.size',
  subject: `lower(coalesce(m.structure->'envelope'->>'subject', ''))`,
  from: `lower(coalesce(m.structure->'envelope'->'from'->0->>'mailbox', ''))`,
  id: 'm.id',
};

/** ORDER BY for an Email/query sort (default: newest first); ties broken by id. */
export function orderBy(sort: unknown): string {
  const list =
    Array.isArray(sort) && sort.length > 0
      ? (sort as { property: string; isAscending?: boolean }[])
      : [{ property: 'receivedAt', isAscending: false }];
  const parts = list.map((s) => {
    const col = SORTS[s.property];
    if (!col) throw new JmapMethodError('unsupportedSort', s.property);
    return `${col} ${s.isAscending === false ? 'DESC' : 'ASC'}`;
  });
  const last = list[list.length - 1];
  return [...parts, `m.id ${last.isAscending === false ? 'DESC' : 'ASC'}`].join(', ');
}
