/**
 * An in-memory stand-in for the part of PimStore scheduling uses (core/pim/scheduling/ports.ts),
 * written before the SQL store was committed. It keeps PimStore's rules that matter here: the
 * default collections, one UID per collection, and If-Match / If-None-Match on writes.
 */
import type { SchedulingObjectInput, SchedulingStore } from '../../../core/pim/scheduling/ports';
import type { PimCollection, PimObject } from '../../../core/pim/types';

export class FakeSchedulingStore implements SchedulingStore {
  private nextId = 1;
  readonly collectionsById = new Map<number, PimCollection>();
  readonly objectsByCollection = new Map<number, Map<string, PimObject>>();

  async ensureDefaults(accountId: number): Promise<void> {
    if ([...this.collectionsById.values()].some((c) => c.accountId === accountId)) return;
    this.add(accountId, 'calendar', 'personal');
    this.add(accountId, 'schedule-inbox', 'inbox');
    this.add(accountId, 'schedule-outbox', 'outbox');
  }

  private add(accountId: number, kind: PimCollection['kind'], name: string): void {
    const id = this.nextId++;
    this.collectionsById.set(id, {
      id,
      accountId,
      kind,
      name,
      displayName: name,
      description: '',
      color: null,
      components: kind === 'calendar' ? ['VEVENT', 'VTODO'] : [],
      timezone: null,
      syncRevision: 0,
      ctag: '0',
      createdAt: new Date(0),
    } as PimCollection);
    this.objectsByCollection.set(id, new Map());
  }

  async collections(accountId: number): Promise<PimCollection[]> {
    return [...this.collectionsById.values()].filter((c) => c.accountId === accountId);
  }

  readonly objects = {
    list: async (collectionId: number): Promise<PimObject[]> => [
      ...(this.objectsByCollection.get(collectionId)?.values() ?? []),
    ],
    put: async (
      collection: Pick<PimCollection, 'id'>,
      input: SchedulingObjectInput,
      condition: { ifMatch?: string[] | '*'; ifNoneMatch?: string[] | '*' } = {},
    ): Promise<{ object: PimObject; created: boolean }> => {
      const objects = this.objectsByCollection.get(collection.id);
      if (!objects) throw new Error('no such collection');
      const current = objects.get(input.name) ?? null;
      if (
        condition.ifMatch &&
        (!current || (condition.ifMatch !== '*' && !condition.ifMatch.includes(current.etag)))
      ) {
        throw new Error('precondition-failed');
      }
      if (condition.ifNoneMatch && current) throw new Error('precondition-failed');
      for (const o of objects.values())
        if (o.uid === input.uid && o.name !== input.name) throw new Error('uid-conflict');
      const object = {
        id: this.nextId++,
        collectionId: collection.id,
        name: input.name,
        uid: input.uid,
        etag: `"${this.nextId}"`,
        contentType: input.contentType,
        data: input.data,
        size: input.data.length,
        component: input.component ?? null,
        firstStart: input.firstStart ?? null,
        lastEnd: input.lastEnd ?? null,
        modifiedAt: new Date(),
      } as PimObject;
      objects.set(input.name, object);
      return { object, created: !current };
    },
  };

  /** Test helper: the objects of an account's collection by name. */
  async objectsIn(accountId: number, name: string): Promise<PimObject[]> {
    const c = (await this.collections(accountId)).find((x) => x.name === name);
    return c ? this.objects.list(c.id) : [];
  }
}
