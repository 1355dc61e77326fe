/**
 * Lists in SQL: the list rows, their owners and moderators, and their allow lists. Members are in
 * member-store.ts, held posts and pending confirmations in held-store.ts.
 */
import type { SqlExecutor } from '../ports/sql';
import type { MailingList, PostAction } from './types';

export interface ListRow {
  id: string | number;
  domain: string;
  local_part: string;
  address: string;
  name: string;
  description: string;
  subject_prefix: string | null;
  footer: string | null;
  dmarc_mitigation: MailingList['dmarcMitigation'];
  archive_visibility: MailingList['archiveVisibility'];
  digest_schedule: MailingList['digestSchedule'];
  reply_to: MailingList['replyTo'];
  max_post_bytes: string | number | null;
  member_policy: PostAction;
  moderated_policy: PostAction;
  nonmember_policy: PostAction;
  created_at: Date | string;
}

const SELECT = `SELECT l.*, d.name AS domain FROM lists l JOIN domains d ON d.id = l.domain_id`;

export function toList(row: ListRow): MailingList {
  return {
    id: String(row.id),
    domain: row.domain,
    localPart: row.local_part,
    address: row.address,
    name: row.name,
    description: row.description,
    subjectPrefix: row.subject_prefix,
    footer: row.footer,
    dmarcMitigation: row.dmarc_mitigation,
    archiveVisibility: row.archive_visibility,
    digestSchedule: row.digest_schedule,
    replyTo: row.reply_to,
    maxPostBytes: row.max_post_bytes === null ? null : Number(row.max_post_bytes),
    policy: { members: row.member_policy, moderated: row.moderated_policy, nonMembers: row.nonmember_policy },
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The lists among `addresses` (lower case), by address: one query for the router. */
export async function listByAddresses(
  db: SqlExecutor,
  addresses: string[],
): Promise<Map<string, MailingList>> {
  const rows = await db.query<ListRow>(`${SELECT} WHERE l.address = ANY($1::text[])`, [addresses]);
  return new Map(rows.rows.map((row) => [row.address, toList(row)]));
}

/** The settings a list can be created or changed with (column → value). */
export interface ListChanges {
  name?: string;
  description?: string;
  subjectPrefix?: string | null;
  footer?: string | null;
  dmarcMitigation?: MailingList['dmarcMitigation'];
  archiveVisibility?: MailingList['archiveVisibility'];
  digestSchedule?: MailingList['digestSchedule'];
  replyTo?: MailingList['replyTo'];
  maxPostBytes?: number | null;
  memberPolicy?: PostAction;
  moderatedPolicy?: PostAction;
  nonMemberPolicy?: PostAction;
}

const COLUMNS: Record<keyof ListChanges, string> = {
  name: 'name',
  description: 'description',
  subjectPrefix: 'subject_prefix',
  footer: 'footer',
  dmarcMitigation: 'dmarc_mitigation',
  archiveVisibility: 'archive_visibility',
  digestSchedule: 'digest_schedule',
  replyTo: 'reply_to',
  maxPostBytes: 'max_post_bytes',
  memberPolicy: 'member_policy',
  moderatedPolicy: 'moderated_policy',
  nonMemberPolicy: 'nonmember_policy',
};

export class ListStore {
  constructor(private readonly db: SqlExecutor) {}

  async get(address: string): Promise<MailingList | null> {
    const rows = await this.db.query<ListRow>(`${SELECT} WHERE l.address = $1`, [
      address.trim().toLowerCase(),
    ]);
    return rows.rows[0] ? toList(rows.rows[0]) : null;
  }

  async getById(id: string): Promise<MailingList | null> {
    const rows = await this.db.query<ListRow>(`${SELECT} WHERE l.id = $1`, [id]);
    return rows.rows[0] ? toList(rows.rows[0]) : null;
  }

  async list(domain?: string): Promise<MailingList[]> {
    const rows = domain
      ? await this.db.query<ListRow>(`${SELECT} WHERE d.name = $1 ORDER BY l.address`, [domain.toLowerCase()])
      : await this.db.query<ListRow>(`${SELECT} ORDER BY l.address`);
    return rows.rows.map(toList);
  }

  /** Inserts the list (the caller checked the address is free). */
  async create(
    domainId: number,
    localPart: string,
    domain: string,
    changes: ListChanges,
  ): Promise<MailingList> {
    const address = `${localPart}@${domain}`.toLowerCase();
    const all: ListChanges = { ...changes, name: changes.name ?? localPart };
    const keys = (Object.keys(all) as (keyof ListChanges)[]).filter((k) => all[k] !== undefined);
    await this.db.query(
      `INSERT INTO lists (domain_id, local_part, address${keys.map((k) => `, ${COLUMNS[k]}`).join('')})
       VALUES ($1, $2, $3${keys.map((_, i) => `, $${i + 4}`).join('')})`,
      [domainId, localPart.toLowerCase(), address, ...keys.map((k) => all[k])],
    );
    return (await this.get(address))!;
  }

  async update(id: string, changes: ListChanges): Promise<void> {
    const keys = (Object.keys(changes) as (keyof ListChanges)[]).filter((k) => changes[k] !== undefined);
    if (keys.length === 0) return;
    await this.db.query(
      `UPDATE lists SET ${keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [id, ...keys.map((k) => changes[k])],
    );
  }

  async remove(id: string): Promise<void> {
    await this.db.query(`DELETE FROM lists WHERE id = $1`, [id]);
  }

  async roles(listId: string, role: 'owner' | 'moderator'): Promise<string[]> {
    const rows = await this.db.query<{ address: string }>(
      `SELECT address FROM list_roles WHERE list_id = $1 AND role = $2 ORDER BY address`,
      [listId, role],
    );
    return rows.rows.map((r) => r.address);
  }

  async setRoles(listId: string, role: 'owner' | 'moderator', addresses: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM list_roles WHERE list_id = $1 AND role = $2`, [listId, role]);
      for (const address of new Set(addresses.map((a) => a.trim().toLowerCase())))
        await tx.query(`INSERT INTO list_roles (list_id, address, role) VALUES ($1, $2, $3)`, [
          listId,
          address,
          role,
        ]);
    });
  }

  /** Owners and moderators: who may moderate (owners always may). */
  async moderators(listId: string): Promise<string[]> {
    const rows = await this.db.query<{ address: string }>(
      `SELECT DISTINCT address FROM list_roles WHERE list_id = $1 ORDER BY address`,
      [listId],
    );
    return rows.rows.map((r) => r.address);
  }

  async allowList(listId: string): Promise<string[]> {
    const rows = await this.db.query<{ pattern: string }>(
      `SELECT pattern FROM list_allow WHERE list_id = $1 ORDER BY pattern`,
      [listId],
    );
    return rows.rows.map((r) => r.pattern);
  }

  async setAllowList(listId: string, patterns: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM list_allow WHERE list_id = $1`, [listId]);
      for (const pattern of new Set(patterns.map((p) => p.trim().toLowerCase()).filter(Boolean)))
        await tx.query(`INSERT INTO list_allow (list_id, pattern) VALUES ($1, $2)`, [listId, pattern]);
    });
  }
}
