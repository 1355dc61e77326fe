/**
 * List members in SQL, paged by keyset (list_id, id): a list of any size is read a page at a
 * time, never whole and never inside a long transaction.
 */
import type { SqlExecutor } from '../ports/sql';
import type { DeliveryMode, ListMember } from './types';

interface MemberRow {
  id: string | number;
  list_id: string | number;
  address: string;
  display_name: string | null;
  delivery_mode: DeliveryMode;
  moderated: boolean;
  bounce_score: number;
  last_bounce_at: Date | string | null;
  disabled_reason: string | null;
  subscribed_at: Date | string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toMember(row: MemberRow): ListMember {
  return {
    id: String(row.id),
    listId: String(row.list_id),
    address: row.address,
    displayName: row.display_name,
    deliveryMode: row.delivery_mode,
    moderated: row.moderated,
    bounceScore: Number(row.bounce_score),
    lastBounceAt: iso(row.last_bounce_at),
    disabledReason: row.disabled_reason,
    subscribedAt: iso(row.subscribed_at)!,
  };
}

export interface MemberOptions {
  displayName?: string | null;
  deliveryMode?: DeliveryMode;
  moderated?: boolean;
}

export class MemberStore {
  constructor(private readonly db: SqlExecutor) {}

  async get(listId: string, address: string): Promise<ListMember | null> {
    const rows = await this.db.query<MemberRow>(
      `SELECT * FROM list_members WHERE list_id = $1 AND address = $2`,
      [listId, address.trim().toLowerCase()],
    );
    return rows.rows[0] ? toMember(rows.rows[0]) : null;
  }

  async getById(listId: string, id: string): Promise<ListMember | null> {
    const rows = await this.db.query<MemberRow>(`SELECT * FROM list_members WHERE list_id = $1 AND id = $2`, [
      listId,
      id,
    ]);
    return rows.rows[0] ? toMember(rows.rows[0]) : null;
  }

  /** One page after `cursor` (a member id; '0' or absent from the start), at most `limit`. */
  async page(
    listId: string,
    options: { cursor?: string; limit: number },
  ): Promise<{ members: ListMember[]; next: string | null }> {
    const rows = await this.db.query<MemberRow>(
      `SELECT * FROM list_members WHERE list_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [listId, options.cursor ?? '0', options.limit],
    );
    const members = rows.rows.map(toMember);
    return { members, next: members.length === options.limit ? members[members.length - 1].id : null };
  }

  async count(listId: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM list_members WHERE list_id = $1`,
      [listId],
    );
    return Number(rows.rows[0]?.n ?? 0);
  }

  /** Adds (or keeps) the member; returns it and whether it is new. Re-subscribing re-enables delivery. */
  async add(
    listId: string,
    address: string,
    options: MemberOptions = {},
  ): Promise<{ member: ListMember; added: boolean }> {
    const rows = await this.db.query<MemberRow & { inserted: boolean }>(
      `INSERT INTO list_members (list_id, address, display_name, delivery_mode, moderated)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (list_id, address) DO UPDATE SET disabled_reason = NULL, bounce_score = 0,
         display_name = COALESCE(EXCLUDED.display_name, list_members.display_name)
       RETURNING *, (xmax = 0) AS inserted`,
      [
        listId,
        address.trim().toLowerCase(),
        options.displayName ?? null,
        options.deliveryMode ?? 'normal',
        options.moderated ?? false,
      ],
    );
    return { member: toMember(rows.rows[0]), added: Boolean(rows.rows[0].inserted) };
  }

  async remove(listId: string, address: string): Promise<boolean> {
    const rows = await this.db.query(
      `DELETE FROM list_members WHERE list_id = $1 AND address = $2 RETURNING 1`,
      [listId, address.trim().toLowerCase()],
    );
    return rows.rows.length > 0;
  }

  async removeById(listId: string, id: string): Promise<ListMember | null> {
    const rows = await this.db.query<MemberRow>(
      `DELETE FROM list_members WHERE list_id = $1 AND id = $2 RETURNING *`,
      [listId, id],
    );
    return rows.rows[0] ? toMember(rows.rows[0]) : null;
  }

  async setOptions(listId: string, address: string, options: MemberOptions): Promise<ListMember | null> {
    const rows = await this.db.query<MemberRow>(
      `UPDATE list_members SET
         display_name = CASE WHEN $3 THEN $4 ELSE display_name END,
         delivery_mode = COALESCE($5, delivery_mode),
         moderated = COALESCE($6, moderated)
       WHERE list_id = $1 AND address = $2 RETURNING *`,
      [
        listId,
        address.trim().toLowerCase(),
        options.displayName !== undefined,
        options.displayName ?? null,
        options.deliveryMode ?? null,
        options.moderated ?? null,
      ],
    );
    return rows.rows[0] ? toMember(rows.rows[0]) : null;
  }
}
