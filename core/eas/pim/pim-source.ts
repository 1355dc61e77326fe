/**
 * The EasItemSources of the PIM store (core/eas/sync/item-source.ts): calendars and task lists
 * (folders "c<collection>", items "c<collection>:<object>") and address books ("a…"). Every
 * write goes through PimStore, so CalDAV/CardDAV sync tokens, ETags and 'pim' events follow EAS
 * changes. Only the account's own collections are folders; anything else is "not found".
 */
import { randomUUID } from 'node:crypto';
import { extractCalendarFields, InvalidCalendarData } from '../../pim/ical';
import { parseVcalendar } from '../../pim/ical/parse-calendar';
import { PimError } from '../../pim/pim-errors';
import { OBJECT_COLUMNS, toObject, type ObjectRow } from '../../pim/pim-rows';
import type { PimStore, StoredCollection } from '../../pim/pim-store';
import type { PimObject } from '../../pim/types';
import { InvalidAddressData } from '../../pim/vcard';
import type { ProtocolVersion } from '../protocol';
import type { EasClass, EasItemSource, ItemResult, ItemVersions, RenderOptions } from '../sync/item-source';
import type { EasElement } from '../wbxml/tree';
import { applicationDataToEvent, eventToApplicationData, InvalidEasItem } from './calendar-convert';
import { applicationDataToContact, contactToApplicationData, vcardUid } from './contact-convert';
import { applicationDataToTask, isIncompleteTask, taskToApplicationData } from './task-convert';

/** Sync Status values (MS-ASCMD §2.2.3.177.17). */
const Status = { Ok: 1, ServerError: 5, Conversion: 6, Conflict: 7, NotFound: 8, Quota: 9 } as const;

/** FilterType 1–7 as days back (MS-ASCMD §2.2.3.71.2); 0 and 8 have no date bound. */
const FILTER_DAYS: Record<number, number> = { 1: 1, 2: 3, 3: 7, 4: 14, 5: 31, 6: 92, 7: 183 };

export interface PimSourceOptions {
  /** The account's address (MeetingStatus, ORGANIZER of a device's meeting); default: SQL accounts. */
  selfAddress?: (accountId: number) => Promise<string | null>;
  now?: () => number;
}

/** "c12:345" → 345 when the item belongs to folder "c12". */
export function objectIdOf(prefix: string, collectionId: string, serverId: string): number | null {
  const m = /^([ca])([0-9]{1,15}):([0-9]{1,15})$/.exec(serverId);
  if (!m || m[1] !== prefix || `${m[1]}${m[2]}` !== collectionId) return null;
  return Number(m[3]);
}

const itemId = (collection: StoredCollection, o: PimObject, prefix: string) =>
  `${prefix}${collection.id}:${o.id}`;

function statusOf(error: unknown): number {
  if (
    error instanceof InvalidEasItem ||
    error instanceof InvalidCalendarData ||
    error instanceof InvalidAddressData
  )
    return Status.Conversion;
  if (error instanceof PimError) {
    if (error.code === 'quota') return Status.Quota;
    if (error.code === 'precondition-failed') return Status.Conflict;
    if (error.code === 'not-found') return Status.NotFound;
    return Status.Conversion;
  }
  return Status.ServerError;
}

abstract class PimSource implements EasItemSource {
  protected readonly now: () => number;
  private readonly self: (accountId: number) => Promise<string | null>;

  constructor(
    readonly prefix: 'c' | 'a',
    protected readonly store: PimStore,
    options: PimSourceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.self =
      options.selfAddress ??
      (async (accountId) => {
        const rows = await store.db
          .query<{ address: string }>(`SELECT address FROM accounts WHERE id = $1`, [accountId])
          .catch(() => ({ rows: [] as { address: string }[] }));
        return rows.rows[0]?.address ?? null;
      });
  }

  protected abstract classOfCollection(c: StoredCollection): EasClass | null;
  protected abstract render(
    o: PimObject,
    cls: EasClass,
    c: StoredCollection,
    options: RenderOptions,
    self: string | null,
  ): EasElement | null;
  protected abstract convert(
    data: EasElement,
    existing: PimObject | null,
    cls: EasClass,
    version: ProtocolVersion,
    self: string | null,
    supported: ReadonlySet<string> | null,
  ): string;
  /** Whether an object belongs in a folder of this class (a Calendar folder shows no VTODOs). */
  protected abstract belongs(o: PimObject, cls: EasClass): boolean;

  protected async collection(
    accountId: number,
    collectionId: string,
  ): Promise<{ c: StoredCollection; cls: EasClass } | null> {
    if (!collectionId.startsWith(this.prefix) || !/^[0-9]{1,15}$/.test(collectionId.slice(1))) return null;
    const id = Number(collectionId.slice(1));
    const home = this.prefix === 'c' ? 'calendars' : 'addressbooks';
    const c = (await this.store.collections(accountId, home)).find((x) => x.id === id);
    const cls = c ? this.classOfCollection(c) : null;
    return c && cls ? { c, cls } : null;
  }

  private async object(c: StoredCollection, objectId: number): Promise<PimObject | null> {
    const rows = await this.store.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 AND id = $2`,
      [c.id, objectId],
    );
    return rows.rows[0] ? toObject(rows.rows[0]) : null;
  }

  async classOf(accountId: number, collectionId: string): Promise<EasClass | null> {
    return (await this.collection(accountId, collectionId))?.cls ?? null;
  }

  async versions(accountId: number, collectionId: string, filterType: number): Promise<ItemVersions> {
    const out: ItemVersions = new Map();
    const found = await this.collection(accountId, collectionId);
    if (!found) return out;
    const { c, cls } = found;
    const days = cls === 'Calendar' ? FILTER_DAYS[filterType] : undefined;
    // The stored span covers every instance (open series: no end), so a series with an instance
    // in the window is kept; EAS windows have no upper bound.
    const objects = days
      ? await this.store.objects.inRange(c.id, new Date(this.now() - days * 86_400_000), null)
      : await this.store.objects.list(c.id);
    for (const o of objects) {
      if (!this.belongs(o, cls)) continue;
      if (cls === 'Tasks' && filterType === 8 && !isIncompleteTask(o.data)) continue;
      out.set(itemId(c, o, this.prefix), o.etag);
    }
    return out;
  }

  async applicationData(
    accountId: number,
    collectionId: string,
    serverIds: string[],
    options: RenderOptions,
  ): Promise<Map<string, EasElement>> {
    const out = new Map<string, EasElement>();
    const found = await this.collection(accountId, collectionId);
    if (!found) return out;
    const self = await this.self(accountId);
    for (const serverId of serverIds) {
      const id = objectIdOf(this.prefix, collectionId, serverId);
      const o = id === null ? null : await this.object(found.c, id);
      if (!o || !this.belongs(o, found.cls)) continue;
      try {
        const data = this.render(o, found.cls, found.c, options, self);
        if (data) out.set(serverId, data);
      } catch {
        // A stored object ical.js cannot read (written before validation tightened): left out.
      }
    }
    return out;
  }

  /** Converts, with any failure of the converters on device input as Status 6 (never a crash). */
  private converted(
    data: EasElement,
    existing: PimObject | null,
    cls: EasClass,
    version: ProtocolVersion,
    self: string | null,
    supported: ReadonlySet<string> | null = null,
  ): string | InvalidEasItem {
    try {
      return this.convert(data, existing, cls, version, self, supported);
    } catch (error) {
      return new InvalidEasItem((error as Error)?.message ?? String(error));
    }
  }

  private input(c: StoredCollection, name: string, text: string) {
    if (this.prefix === 'a') {
      const uid = vcardUid(text);
      return { name, data: text, contentType: 'text/vcard', uid: uid ?? `name:${name}` };
    }
    const fields = extractCalendarFields(text);
    if (!c.components.includes(fields.component) && c.components.length > 0)
      throw new InvalidEasItem(`this calendar does not take ${fields.component}`);
    return { name, data: text, contentType: 'text/calendar', ...fields };
  }

  async add(
    accountId: number,
    collectionId: string,
    data: EasElement,
    version: ProtocolVersion,
  ): Promise<ItemResult> {
    const found = await this.collection(accountId, collectionId);
    if (!found) return { status: Status.NotFound };
    const text = this.converted(data, null, found.cls, version, await this.self(accountId));
    if (text instanceof InvalidEasItem) return { status: Status.Conversion };
    try {
      const name = `${randomUUID()}${this.prefix === 'a' ? '.vcf' : '.ics'}`;
      const { object } = await this.store.objects.put(found.c, this.input(found.c, name, text), {
        ifNoneMatch: '*',
      });
      return { status: Status.Ok, serverId: itemId(found.c, object, this.prefix) };
    } catch (error) {
      // The same UID again is a device retrying an Add whose answer it lost: the item it made.
      if (error instanceof PimError && error.code === 'uid-conflict' && error.existing) {
        const existing = await this.store.objects.get(found.c.id, error.existing);
        if (existing) return { status: Status.Ok, serverId: itemId(found.c, existing, this.prefix) };
      }
      return { status: statusOf(error) };
    }
  }

  async change(
    accountId: number,
    collectionId: string,
    serverId: string,
    data: EasElement,
    version: ProtocolVersion,
    /**
     * The folder's Supported elements (MS-ASCMD §2.2.3.179) when the device sent them: the
     * others are ghosted and keep their stored values. Absent: nothing is ghosted.
     */
    supported?: readonly string[],
  ): Promise<ItemResult> {
    const found = await this.collection(accountId, collectionId);
    const id = objectIdOf(this.prefix, collectionId, serverId);
    const ghosting = supported ? new Set(supported) : null;
    if (!found || id === null) return { status: Status.NotFound };
    const self = await this.self(accountId);
    // Read, convert, write if unchanged since the read; a concurrent CalDAV write means once more.
    for (let attempt = 0; attempt < 3; attempt++) {
      const o = await this.object(found.c, id);
      if (!o || !this.belongs(o, found.cls)) return { status: Status.NotFound };
      const text = this.converted(data, o, found.cls, version, self, ghosting);
      if (text instanceof InvalidEasItem) return { status: Status.Conversion };
      try {
        await this.store.objects.put(found.c, this.input(found.c, o.name, text), { ifMatch: [o.etag] });
        return { status: Status.Ok, serverId };
      } catch (error) {
        const status = statusOf(error);
        if (status !== Status.Conflict) return { status };
      }
    }
    return { status: Status.Conflict };
  }

  /** PIM items are deleted outright: DeletesAsMoves is a mail folder's Deleted Items. */
  async remove(
    accountId: number,
    collectionId: string,
    serverId: string,
    _options?: { deletesAsMoves: boolean },
  ): Promise<ItemResult> {
    const found = await this.collection(accountId, collectionId);
    const id = objectIdOf(this.prefix, collectionId, serverId);
    if (!found || id === null) return { status: Status.NotFound };
    const o = await this.object(found.c, id);
    if (!o || !this.belongs(o, found.cls)) return { status: Status.NotFound };
    try {
      const removed = await this.store.objects.delete(found.c, o.name);
      return { status: removed ? Status.Ok : Status.NotFound };
    } catch (error) {
      return { status: statusOf(error) };
    }
  }
}

/** Calendars (Calendar class) and task-only calendars (Tasks), as core/eas/pim-folders.ts lists them. */
export class CalendarItemSource extends PimSource {
  constructor(store: PimStore, options: PimSourceOptions = {}) {
    super('c', store, options);
  }

  protected classOfCollection(c: StoredCollection): EasClass | null {
    if (c.kind !== 'calendar') return null;
    const events = c.components.length === 0 || c.components.includes('VEVENT');
    if (events) return 'Calendar';
    return c.components.includes('VTODO') ? 'Tasks' : null;
  }

  protected belongs(o: PimObject, cls: EasClass): boolean {
    return cls === 'Tasks' ? o.component === 'VTODO' : o.component === 'VEVENT';
  }

  protected render(
    o: PimObject,
    cls: EasClass,
    c: StoredCollection,
    options: RenderOptions,
    self: string | null,
  ) {
    const ctx = {
      version: options.version,
      bodyPreferences: options.bodyPreferences,
      selfAddress: self,
      calendarTimezone: c.timezone,
    };
    return cls === 'Tasks' ? taskToApplicationData(o.data, ctx) : eventToApplicationData(o.data, ctx);
  }

  protected convert(
    data: EasElement,
    existing: PimObject | null,
    cls: EasClass,
    version: ProtocolVersion,
    self: string | null,
    supported: ReadonlySet<string> | null,
  ) {
    if (existing) parseVcalendar(existing.data);
    const ctx = { version, selfAddress: self, supported };
    return cls === 'Tasks'
      ? applicationDataToTask(data, existing?.data ?? null, ctx)
      : applicationDataToEvent(data, existing?.data ?? null, ctx);
  }
}

/** Address books (Contacts class). */
export class ContactItemSource extends PimSource {
  constructor(store: PimStore, options: PimSourceOptions = {}) {
    super('a', store, options);
  }

  protected classOfCollection(c: StoredCollection): EasClass | null {
    return c.kind === 'addressbook' ? 'Contacts' : null;
  }

  protected belongs(o: PimObject): boolean {
    return o.contentType.startsWith('text/vcard') || o.contentType.startsWith('text/x-vcard');
  }

  protected render(o: PimObject, _cls: EasClass, _c: StoredCollection, options: RenderOptions) {
    return contactToApplicationData(o.data, { bodyPreferences: options.bodyPreferences });
  }

  protected convert(
    data: EasElement,
    existing: PimObject | null,
    _cls: EasClass,
    _version: ProtocolVersion,
    _self: string | null,
    supported: ReadonlySet<string> | null,
  ) {
    return applicationDataToContact(data, existing?.data ?? null, { bodyPreferences: [], supported });
  }
}

/** Both PIM sources over one store (functions/eas/deps.ts pushes them into EasDeps.items). */
export function pimItemSources(store: PimStore, options: PimSourceOptions = {}): EasItemSource[] {
  return [new CalendarItemSource(store, options), new ContactItemSource(store, options)];
}
