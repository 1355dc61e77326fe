/**
 * The PIM store: collections (calendars, address books, the scheduling inbox and outbox, plain
 * WebDAV collections) and their objects, over the SqlDatabase port (same SQL on PGlite,
 * PostgreSQL and the Data API). Objects and the change log are in pim-objects.ts and
 * pim-changes.ts, sharing in pim-grants.ts. Every change is published on the Events port as kind
 * 'pim' so ActiveSync Ping and the webmail hear about CalDAV/CardDAV writes.
 */
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase } from '../ports/sql';
import { changesSince } from './pim-changes';
import { DEFAULT_PIM_LIMITS, PimError, type PimLimits } from './pim-errors';
import { PimObjects } from './pim-objects';
import { COLLECTION_COLUMNS, toCollection, type CollectionRow } from './pim-rows';
import type {
  CalendarComponent,
  CollectionKind,
  DeadProperties,
  PimChanges,
  PimCollection,
  PimHome,
} from './types';

export type StoredCollection = PimCollection & { prunedRevision: number };

export interface CollectionSpec {
  kind: CollectionKind;
  name: string;
  displayName?: string;
  description?: string;
  color?: string | null;
  components?: CalendarComponent[];
  timezone?: string | null;
  deadProps?: DeadProperties;
}

export type CollectionPatch = Partial<
  Pick<PimCollection, 'displayName' | 'description' | 'color' | 'components' | 'timezone' | 'deadProps'>
>;

/** Created on an account's first access (RFC 4791/6638/6352 clients expect one of each). */
const DEFAULTS: (CollectionSpec & { home: PimHome })[] = [
  {
    home: 'calendars',
    kind: 'calendar',
    name: 'personal',
    displayName: 'Personal',
    components: ['VEVENT', 'VTODO'],
  },
  { home: 'calendars', kind: 'schedule-inbox', name: 'inbox', displayName: 'Inbox' },
  { home: 'calendars', kind: 'schedule-outbox', name: 'outbox', displayName: 'Outbox' },
  { home: 'addressbooks', kind: 'addressbook', name: 'contacts', displayName: 'Contacts' },
];

export class PimStore {
  readonly limits: PimLimits;
  readonly objects: PimObjects;
  /** Accounts whose defaults exist (this process): one check per account, not per request. */
  private readonly provisioned = new Set<number>();

  constructor(
    readonly db: SqlDatabase,
    private readonly events: MailboxEvents | null,
    limits: Partial<PimLimits> = {},
  ) {
    this.limits = { ...DEFAULT_PIM_LIMITS, ...limits };
    this.objects = new PimObjects(db, this.limits, (c) => this.publish(c));
  }

  async ensureDefaults(accountId: number): Promise<void> {
    if (this.provisioned.has(accountId)) return;
    const existing = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM pim_collections WHERE account_id = $1`,
      [accountId],
    );
    // Only a brand-new account gets them: a user who deleted "personal" does not see it come back.
    if (Number(existing.rows[0]?.n ?? 0) === 0) {
      for (const spec of DEFAULTS) {
        await this.db.query(
          `INSERT INTO pim_collections (account_id, home, kind, name, display_name, components)
           VALUES ($1, $2, $3, $4, $5, $6::text[]) ON CONFLICT (account_id, home, name) DO NOTHING`,
          [accountId, spec.home, spec.kind, spec.name, spec.displayName ?? '', spec.components ?? []],
        );
      }
    }
    this.provisioned.add(accountId);
  }

  async collections(accountId: number, home: PimHome): Promise<StoredCollection[]> {
    await this.ensureDefaults(accountId);
    const rows = await this.db.query<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM pim_collections WHERE account_id = $1 AND home = $2 ORDER BY name`,
      [accountId, home],
    );
    return rows.rows.map(toCollection);
  }

  async collection(accountId: number, home: PimHome, name: string): Promise<StoredCollection | null> {
    await this.ensureDefaults(accountId);
    const rows = await this.db.query<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM pim_collections WHERE account_id = $1 AND home = $2 AND name = $3`,
      [accountId, home, name],
    );
    return rows.rows[0] ? toCollection(rows.rows[0]) : null;
  }

  async collectionById(id: number): Promise<StoredCollection | null> {
    const rows = await this.db.query<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM pim_collections WHERE id = $1`,
      [id],
    );
    return rows.rows[0] ? toCollection(rows.rows[0]) : null;
  }

  /** Plain collections nested directly below `name` ("a" → "a/b", not "a/b/c"). */
  async children(accountId: number, home: PimHome, name: string): Promise<StoredCollection[]> {
    const rows = await this.db.query<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM pim_collections WHERE account_id = $1 AND home = $2
         AND left(name, length($3) + 1) = $3 || '/' AND position('/' in substr(name, length($3) + 2)) = 0
       ORDER BY name`,
      [accountId, home, name],
    );
    return rows.rows.map(toCollection);
  }

  async createCollection(accountId: number, home: PimHome, spec: CollectionSpec): Promise<StoredCollection> {
    await this.ensureDefaults(accountId);
    const rows = await this.db.query<CollectionRow>(
      `INSERT INTO pim_collections (account_id, home, kind, name, display_name, description, color,
         components, timezone, dead_props)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10::jsonb)
       ON CONFLICT (account_id, home, name) DO NOTHING RETURNING ${COLLECTION_COLUMNS}`,
      [
        accountId,
        home,
        spec.kind,
        spec.name,
        spec.displayName ?? '',
        spec.description ?? '',
        spec.color ?? null,
        spec.components ?? (spec.kind === 'calendar' ? ['VEVENT', 'VTODO'] : []),
        spec.timezone ?? null,
        JSON.stringify(spec.deadProps ?? {}),
      ],
    );
    if (!rows.rows[0]) throw new PimError('exists', `collection ${spec.name} exists`);
    const created = toCollection(rows.rows[0]);
    await this.publish(created);
    return created;
  }

  async updateCollection(collection: PimCollection, patch: CollectionPatch): Promise<void> {
    const next = { ...collection, ...patch };
    // A property change is a change of the collection for CTag watchers (Apple): revision bumps too.
    await this.db.query(
      `UPDATE pim_collections SET display_name = $2, description = $3, color = $4, components = $5::text[],
         timezone = $6, dead_props = $7::jsonb, sync_revision = sync_revision + 1 WHERE id = $1`,
      [
        collection.id,
        next.displayName,
        next.description,
        next.color,
        next.components,
        next.timezone,
        JSON.stringify(next.deadProps),
      ],
    );
    await this.publish(collection);
  }

  /** Deletes the collection, the plain collections nested in it, and all their objects. */
  async deleteCollection(collection: PimCollection): Promise<void> {
    await this.db.query(
      `DELETE FROM pim_collections WHERE account_id = $1 AND home = $2
         AND (name = $3 OR left(name, length($3) + 1) = $3 || '/')`,
      [collection.accountId, collection.home, collection.name],
    );
    await this.publish(collection);
  }

  /**
   * COPY of a collection (RFC 4918 §9.8.3): its properties, and with depth 'infinity' its objects
   * and nested collections, to `name` in the home of `accountId`. The destination must not exist.
   */
  async copyCollection(
    source: StoredCollection,
    target: { accountId: number; home: PimHome; name: string },
    depth: '0' | 'infinity',
  ): Promise<StoredCollection> {
    const nested =
      depth === 'infinity'
        ? (
            await this.db.query<CollectionRow>(
              `SELECT ${COLLECTION_COLUMNS} FROM pim_collections WHERE account_id = $1 AND home = $2
                 AND (name = $3 OR left(name, length($3) + 1) = $3 || '/') ORDER BY name`,
              [source.accountId, source.home, source.name],
            )
          ).rows.map(toCollection)
        : [source];
    let top: StoredCollection | null = null;
    for (const from of nested) {
      const name = target.name + from.name.slice(source.name.length);
      const copy = await this.createCollection(target.accountId, target.home, { ...from, name });
      top ??= copy;
      if (depth === 'infinity') {
        for (const object of await this.objects.list(from.id))
          await this.objects.copy(object, copy, object.name);
      }
    }
    return top!;
  }

  async changes(collection: StoredCollection, since: number | null, limit?: number): Promise<PimChanges> {
    return changesSince(this.db, collection, since, limit);
  }

  private async publish(collection: Pick<PimCollection, 'id' | 'accountId'>): Promise<void> {
    await this.events
      ?.publish({ accountId: collection.accountId, mailboxId: 0, kind: 'pim', collectionId: collection.id })
      .catch(() => undefined);
  }
}
