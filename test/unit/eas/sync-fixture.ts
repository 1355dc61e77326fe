/**
 * What the Sync, GetItemEstimate and Ping suites share: a PGlite database with the migrations,
 * two accounts with a device each (FolderSync state included), in-process events, and
 * MemorySource, a small in-memory EasItemSource. MemorySource is a stand-in for the stores: the
 * real sources (core/eas/email, core/eas/pim) are tested by their own suites and over HTTP in
 * test/e2e/eas-sync.test.ts; here it lets the engine's logic be checked item by item.
 */
import { InProcessEvents } from '../../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import type { EasDeps, EasRequest } from '../../../core/eas/command';
import { EasDevices, type EasDevice } from '../../../core/eas/devices';
import { saveFolderState } from '../../../core/eas/folder-state';
import { DEFAULT_POLICY } from '../../../core/eas/policy';
import type { ProtocolVersion } from '../../../core/eas/protocol';
import type {
  EasClass,
  EasItemSource,
  ItemResult,
  ItemVersions,
  RenderOptions,
} from '../../../core/eas/sync/item-source';
import { el, textAt, type EasElement } from '../../../core/eas/wbxml/tree';
import type { BlobStore } from '../../../core/ports/blob-store';
import type { Directory } from '../../../core/directory/directory';

interface Item {
  subject: string;
  version: number;
  /** Days old (for FilterType). */
  age: number;
}

interface Folder {
  accountId: number;
  itemClass: EasClass;
  items: Map<string, Item>;
  next: number;
}

/** FilterType → days (MS-ASCMD §2.2.3.69.2). */
const DAYS = [Infinity, 1, 3, 7, 14, 31, 93, 186];

export class MemorySource implements EasItemSource {
  readonly prefix = 'm';
  readonly folders = new Map<string, Folder>();
  /** Every call, to check what the engine asked for. */
  readonly calls: string[] = [];
  lastOptions: RenderOptions | null = null;

  folder(collectionId: string, accountId: number, itemClass: EasClass = 'Email'): void {
    this.folders.set(collectionId, { accountId, itemClass, items: new Map(), next: 1 });
  }

  put(collectionId: string, subject: string, age = 0): string {
    const f = this.folders.get(collectionId)!;
    const id = `${collectionId}:${f.next++}`;
    f.items.set(id, { subject, version: 1, age });
    return id;
  }

  touch(serverId: string, subject?: string): void {
    const item = this.find(serverId)!;
    item.version++;
    if (subject !== undefined) item.subject = subject;
  }

  drop(serverId: string): void {
    this.folders.get(serverId.split(':')[0])!.items.delete(serverId);
  }

  private find(serverId: string): Item | undefined {
    return this.folders.get(serverId.split(':')[0])?.items.get(serverId);
  }

  private own(accountId: number, collectionId: string): Folder | null {
    const f = this.folders.get(collectionId);
    return f && f.accountId === accountId ? f : null;
  }

  async classOf(accountId: number, collectionId: string): Promise<EasClass | null> {
    return this.own(accountId, collectionId)?.itemClass ?? null;
  }

  async versions(accountId: number, collectionId: string, filterType: number): Promise<ItemVersions> {
    this.calls.push(`versions ${collectionId} ${filterType}`);
    const f = this.own(accountId, collectionId);
    const out: ItemVersions = new Map();
    if (!f) return out;
    const days = DAYS[filterType] ?? Infinity;
    // Newest first, as the mail source orders them.
    for (const [id, item] of [...f.items].reverse()) if (item.age < days) out.set(id, String(item.version));
    return out;
  }

  async applicationData(
    accountId: number,
    collectionId: string,
    serverIds: string[],
    options: RenderOptions,
  ): Promise<Map<string, EasElement>> {
    this.lastOptions = options;
    const f = this.own(accountId, collectionId);
    const out = new Map<string, EasElement>();
    for (const id of serverIds) {
      const item = f?.items.get(id);
      if (item) out.set(id, el('AirSync', 'ApplicationData', el('Email', 'Subject', item.subject)));
    }
    return out;
  }

  async add(
    accountId: number,
    collectionId: string,
    data: EasElement,
    _v: ProtocolVersion,
  ): Promise<ItemResult> {
    this.calls.push(`add ${collectionId}`);
    if (!this.own(accountId, collectionId)) return { status: 8 };
    const subject = textAt(data, 'Subject');
    if (subject === undefined) return { status: 6 };
    return { status: 1, serverId: this.put(collectionId, subject) };
  }

  async change(
    accountId: number,
    collectionId: string,
    serverId: string,
    data: EasElement,
    _v: ProtocolVersion,
  ): Promise<ItemResult> {
    this.calls.push(`change ${serverId}`);
    const item = this.own(accountId, collectionId)?.items.get(serverId);
    if (!item) return { status: 8 };
    this.touch(serverId, textAt(data, 'Subject') ?? item.subject);
    return { status: 1 };
  }

  async remove(
    accountId: number,
    collectionId: string,
    serverId: string,
    options: { deletesAsMoves: boolean },
  ): Promise<ItemResult> {
    this.calls.push(`remove ${serverId} ${options.deletesAsMoves}`);
    const f = this.own(accountId, collectionId);
    if (!f?.items.has(serverId)) return { status: 8 };
    f.items.delete(serverId);
    return { status: 1 };
  }
}

export interface SyncFixture {
  db: PgliteDatabase;
  events: InProcessEvents;
  source: MemorySource;
  deps: EasDeps;
  alice: { id: number; address: string; device: EasDevice };
  bob: { id: number; address: string; device: EasDevice };
  request(
    who: 'alice' | 'bob',
    command: string,
    body: EasElement | null,
    version?: ProtocolVersion,
  ): EasRequest;
  /** Back to empty folders and no Sync state (one database per suite: PGlite starts slowly). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const folderEntry = { parentId: '0', displayName: 'x', type: 12 };

export async function syncFixture(): Promise<SyncFixture> {
  const db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const domain = await db.query<{ id: number }>(
    `INSERT INTO domains (name) VALUES ('sync.example') RETURNING id`,
  );
  const account = async (address: string) => {
    const r = await db.query<{ id: number }>(
      `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
      [domain.rows[0].id, address],
    );
    const id = Number(r.rows[0].id);
    const device = await new EasDevices(db).touch(id, `dev${id}`, {
      deviceType: 'iPhone',
      userAgent: null,
      protocolVersion: '16.1',
    });
    return { id, address, device };
  };
  const alice = await account('alice@sync.example');
  const bob = await account('bob@sync.example');
  const source = new MemorySource();
  source.folder('m1', alice.id);
  source.folder('m2', alice.id);
  source.folder('m9', bob.id);
  // Each device's hierarchy as FolderSync gave it (bob's device knows m9 only).
  await saveFolderState(db, alice.device.id, {
    syncKey: 1,
    folders: { m1: folderEntry, m2: folderEntry },
    previousKey: null,
    previousFolders: null,
  });
  await saveFolderState(db, bob.device.id, {
    syncKey: 1,
    folders: { m9: folderEntry },
    previousKey: null,
    previousFolders: null,
  });
  const events = new InProcessEvents();
  const deps: EasDeps = {
    db,
    events,
    policy: DEFAULT_POLICY,
    blobs: {} as BlobStore,
    directory: {} as Directory,
    items: [source],
    ping: { minHeartbeatSeconds: 1, maxHeartbeatSeconds: 30, maxFolders: 3 },
  };
  const people = { alice, bob };
  return {
    db,
    events,
    source,
    deps,
    alice,
    bob,
    request: (who, command, body, version = '16.1') => ({
      command,
      version,
      account: { id: people[who].id, address: people[who].address },
      device: people[who].device,
      body,
      policyKey: 1,
      deps,
    }),
    reset: async () => {
      for (const folder of source.folders.values()) {
        folder.items.clear();
        folder.next = 1;
      }
      source.calls.length = 0;
      source.lastOptions = null;
      await db.query('DELETE FROM eas_sync_state');
      await db.query('DELETE FROM eas_sync_cache');
    },
    close: async () => {
      await events.close();
      await db.close();
    },
  };
}
