/**
 * Objects of a collection: iCalendar or vCard text with the fields extracted beside it (UID,
 * component, time span), or any file in a plain WebDAV collection. Writes run in one transaction
 * with their change-log row, and check the caller's precondition (If-Match / If-None-Match) on
 * the row they lock, so two clients cannot both win.
 */
import { createHash } from 'node:crypto';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { recordChange } from './pim-changes';
import { PimError, type PimLimits } from './pim-errors';
import { OBJECT_COLUMNS, toObject, type ObjectRow } from './pim-rows';
import type { CalendarComponent, DeadProperties, PimCollection, PimObject } from './types';

export interface ObjectInput {
  name: string;
  data: string;
  contentType: string;
  /** '' for files in plain collections. */
  uid: string;
  component?: CalendarComponent | null;
  firstStart?: Date | null;
  lastEnd?: Date | null;
  deadProps?: DeadProperties;
}

/** What must hold for the write: the current ETag (If-Match), or that nothing exists (If-None-Match: *). */
export interface WriteCondition {
  ifMatch?: string[] | '*';
  ifNoneMatch?: string[] | '*';
}

export const etagOf = (data: string, contentType: string): string =>
  `"${createHash('sha256').update(contentType).update('\0').update(data).digest('hex').slice(0, 32)}"`;

/** RFC 7232 §3.1/§3.2 against the current ETag (null: no such resource). */
export function conditionHolds(condition: WriteCondition, current: string | null): boolean {
  const { ifMatch, ifNoneMatch } = condition;
  if (ifMatch !== undefined) {
    if (current === null) return false;
    if (ifMatch !== '*' && !ifMatch.includes(current)) return false;
  }
  if (ifNoneMatch !== undefined && current !== null) {
    if (ifNoneMatch === '*' || ifNoneMatch.includes(current)) return false;
  }
  return true;
}

type Collection = Pick<PimCollection, 'id' | 'accountId' | 'kind'>;

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string })?.code === '23505' ||
  /duplicate key|unique constraint/i.test(String((error as Error)?.message));

export class PimObjects {
  constructor(
    private readonly db: SqlDatabase,
    private readonly limits: PimLimits,
    private readonly published: (collection: Collection) => Promise<void>,
  ) {}

  async list(collectionId: number): Promise<PimObject[]> {
    const rows = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 ORDER BY name`,
      [collectionId],
    );
    return rows.rows.map(toObject);
  }

  /** Objects that may overlap [start, end) (null: open); exact evaluation is the caller's. */
  async inRange(collectionId: number, start: Date | null, end: Date | null): Promise<PimObject[]> {
    const rows = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1
         AND ($2::timestamptz IS NULL OR last_end IS NULL OR last_end > $2::timestamptz)
         AND ($3::timestamptz IS NULL OR first_start IS NULL OR first_start < $3::timestamptz)
       ORDER BY name`,
      [collectionId, start?.toISOString() ?? null, end?.toISOString() ?? null],
    );
    return rows.rows.map(toObject);
  }

  async get(collectionId: number, name: string): Promise<PimObject | null> {
    const rows = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 AND name = $2`,
      [collectionId, name],
    );
    return rows.rows[0] ? toObject(rows.rows[0]) : null;
  }

  async named(collectionId: number, names: string[]): Promise<PimObject[]> {
    if (names.length === 0) return [];
    const rows = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 AND name = ANY($2::text[])`,
      [collectionId, names],
    );
    return rows.rows.map(toObject);
  }

  async countForAccount(accountId: number): Promise<number> {
    const rows = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM pim_objects o JOIN pim_collections c ON c.id = o.collection_id
       WHERE c.account_id = $1`,
      [accountId],
    );
    return Number(rows.rows[0]?.n ?? 0);
  }

  /** Creates or replaces `input.name`. Throws PimError precondition-failed, uid-conflict, too-large, quota. */
  async put(
    collection: Collection,
    input: ObjectInput,
    condition: WriteCondition = {},
  ): Promise<{ object: PimObject; created: boolean }> {
    const size = Buffer.byteLength(input.data);
    if (size > this.limits.maxResourceSize)
      throw new PimError('too-large', `the resource is larger than ${this.limits.maxResourceSize} bytes`);
    const result = await this.db
      .transaction(async (tx) => {
        const current = await this.lock(tx, collection.id, input.name);
        // FOR UPDATE locks rows, not absent ones: two creators of one name serialise on the unique
        // index, and the loser's 23505 is answered below as a failed precondition.
        if (!conditionHolds(condition, current?.etag ?? null))
          throw new PimError('precondition-failed', 'the ETag precondition does not hold');
        if (input.uid !== '') {
          const same = await tx.query<{ name: string }>(
            `SELECT name FROM pim_objects WHERE collection_id = $1 AND uid = $2 AND name <> $3`,
            [collection.id, input.uid, input.name],
          );
          if (same.rows[0])
            throw new PimError('uid-conflict', `UID ${input.uid} is in use`, same.rows[0].name);
        }
        if (!current && (await this.countIn(tx, collection.accountId)) >= this.limits.maxObjectsPerAccount)
          throw new PimError('quota', `at most ${this.limits.maxObjectsPerAccount} objects per account`);
        const etag = etagOf(input.data, input.contentType);
        const values = [
          collection.id,
          input.name,
          input.uid,
          etag,
          input.contentType,
          input.data,
          size,
          input.component ?? null,
          input.firstStart?.toISOString() ?? null,
          input.lastEnd?.toISOString() ?? null,
          JSON.stringify(input.deadProps ?? current?.deadProps ?? {}),
        ];
        const rows = current
          ? await tx.query<ObjectRow>(
              `UPDATE pim_objects SET uid = $3, etag = $4, content_type = $5, data = $6, size = $7, component = $8,
               first_start = $9, last_end = $10, dead_props = $11::jsonb, modified_at = now()
             WHERE collection_id = $1 AND name = $2 RETURNING ${OBJECT_COLUMNS}`,
              values,
            )
          : await tx.query<ObjectRow>(
              `INSERT INTO pim_objects (collection_id, name, uid, etag, content_type, data, size, component,
               first_start, last_end, dead_props)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) RETURNING ${OBJECT_COLUMNS}`,
              values,
            );
        await recordChange(tx, collection.id, [{ name: input.name, deleted: false }], this.limits);
        return { object: toObject(rows.rows[0]), created: !current };
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new PimError('precondition-failed', 'a concurrent write won');
        throw error;
      });
    await this.published(collection);
    return result;
  }

  /** Deletes `name`; false when it does not exist. Throws precondition-failed. */
  async delete(
    collection: Collection,
    name: string,
    condition: WriteCondition = {},
  ): Promise<PimObject | null> {
    const removed = await this.db.transaction(async (tx) => {
      const current = await this.lock(tx, collection.id, name);
      if (!conditionHolds(condition, current?.etag ?? null))
        throw new PimError('precondition-failed', 'the ETag precondition does not hold');
      if (!current) return null;
      await tx.query(`DELETE FROM pim_objects WHERE id = $1`, [current.id]);
      await recordChange(tx, collection.id, [{ name, deleted: true }], this.limits);
      return current;
    });
    if (removed) await this.published(collection);
    return removed;
  }

  async copy(object: PimObject, target: Collection, name: string, condition: WriteCondition = {}) {
    return this.put(
      target,
      {
        name,
        data: object.data,
        contentType: object.contentType,
        uid: object.uid,
        component: object.component,
        firstStart: object.firstStart,
        lastEnd: object.lastEnd,
        deadProps: object.deadProps,
      },
      condition,
    );
  }

  async setDeadProps(collection: Collection, object: PimObject, props: DeadProperties): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE pim_objects SET dead_props = $2::jsonb WHERE id = $1`, [
        object.id,
        JSON.stringify(props),
      ]);
      await recordChange(tx, collection.id, [{ name: object.name, deleted: false }], this.limits);
    });
    await this.published(collection);
  }

  private async lock(tx: SqlExecutor, collectionId: number, name: string): Promise<PimObject | null> {
    const rows = await tx.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 AND name = $2 FOR UPDATE`,
      [collectionId, name],
    );
    return rows.rows[0] ? toObject(rows.rows[0]) : null;
  }

  private async countIn(tx: SqlExecutor, accountId: number): Promise<number> {
    const rows = await tx.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM pim_objects o JOIN pim_collections c ON c.id = o.collection_id
       WHERE c.account_id = $1`,
      [accountId],
    );
    return Number(rows.rows[0]?.n ?? 0);
  }
}
