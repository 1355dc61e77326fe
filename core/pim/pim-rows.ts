/** Row shapes of the pim_* tables and their mapping to core/pim/types.ts. */
import type {
  CalendarComponent,
  CollectionKind,
  DeadProperties,
  PimCollection,
  PimHome,
  PimObject,
} from './types';

export interface CollectionRow {
  id: string | number;
  account_id: string | number;
  home: string;
  kind: string;
  name: string;
  display_name: string;
  description: string;
  color: string | null;
  components: string[] | null;
  timezone: string | null;
  sync_revision: string | number;
  pruned_revision: string | number;
  dead_props: DeadProperties | string | null;
  created_at: Date | string;
}

export interface ObjectRow {
  id: string | number;
  collection_id: string | number;
  name: string;
  uid: string;
  etag: string;
  content_type: string;
  data: string;
  size: string | number;
  component: string | null;
  first_start: Date | string | null;
  last_end: Date | string | null;
  dead_props: DeadProperties | string | null;
  created_at: Date | string;
  modified_at: Date | string;
}

export const COLLECTION_COLUMNS = `id, account_id, home, kind, name, display_name, description, color,
  components, timezone, sync_revision, pruned_revision, dead_props, created_at`;

export const OBJECT_COLUMNS = `id, collection_id, name, uid, etag, content_type, data, size, component,
  first_start, last_end, dead_props, created_at, modified_at`;

const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const props = (value: DeadProperties | string | null): DeadProperties =>
  typeof value === 'string' ? (JSON.parse(value) as DeadProperties) : (value ?? {});

export function toCollection(row: CollectionRow): PimCollection & { prunedRevision: number } {
  const revision = Number(row.sync_revision);
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    home: row.home as PimHome,
    kind: row.kind as CollectionKind,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    color: row.color,
    components: (row.components ?? []) as CalendarComponent[],
    timezone: row.timezone,
    syncRevision: revision,
    prunedRevision: Number(row.pruned_revision),
    ctag: `"${row.id}-${revision}"`,
    createdAt: date(row.created_at),
    deadProps: props(row.dead_props),
  };
}

export function toObject(row: ObjectRow): PimObject {
  return {
    id: Number(row.id),
    collectionId: Number(row.collection_id),
    name: row.name,
    uid: row.uid,
    etag: row.etag,
    contentType: row.content_type,
    data: row.data,
    size: Number(row.size),
    component: row.component as CalendarComponent | null,
    firstStart: row.first_start === null ? null : date(row.first_start),
    lastEnd: row.last_end === null ? null : date(row.last_end),
    createdAt: date(row.created_at),
    modifiedAt: date(row.modified_at),
    deadProps: props(row.dead_props),
  };
}
