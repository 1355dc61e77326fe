/**
 * The Email class (MS-ASEMAIL) over the IMAP message store: folders "m<mailbox>", items
 * "m<mailbox>:<uid>". Changes and deletes go through the same store functions as IMAP STORE,
 * EXPUNGE and MOVE, so MODSEQs and mailbox events (IMAP IDLE/NOTIFY, JMAP push, Ping) follow.
 */
import type { JmapDeps } from '../../jmap/context';
import { threadIdsOf } from '../../jmap/threads';
import { MessageMover } from '../../store/copy-move';
import { storeFlags } from '../../store/flags';
import { mailboxIdOf } from '../folders';
import type { ProtocolVersion } from '../protocol';
import type { EasClass, EasItemSource, ItemResult, ItemVersions, RenderOptions } from '../sync/item-source';
import type { EasElement } from '../wbxml/tree';
import { parseMailChange } from './email-change';
import { isCategoryKeyword } from './email-categories';
import { addDraft } from './email-draft';
import { itemIn, itemServerId } from './email-ids';
import {
  filterSince,
  loadMessages,
  messageVersions,
  ownMailbox,
  specialMailbox,
  type OwnMailbox,
} from './email-query';
import { renderApplicationData } from './email-render';

/** Sync Status values used here (MS-ASCMD §2.2.3.177.17). */
const STATUS_OK = 1;
const STATUS_ERROR = 6;
const STATUS_NOT_FOUND = 8;

export interface EmailSourceOptions {
  /** Largest body text or MIME sent in one item, whatever the device asks (bytes). */
  maxBodyBytes?: number;
}

/** The store ports the source needs (a subset of EasDeps, shaped as JMAP's, whose threads it reuses). */
export type EmailSourceDeps = Pick<JmapDeps, 'db' | 'blobs' | 'events' | 'directory'>;

const BLOB_READS = 8;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const hasUse = (box: OwnMailbox, use: string): boolean =>
  (box.specialUse ?? '').toLowerCase().split(/\s+/).includes(use.toLowerCase());

export class EmailItemSource implements EasItemSource {
  readonly prefix = 'm';

  constructor(
    private readonly deps: EmailSourceDeps,
    private readonly options: EmailSourceOptions = {},
  ) {}

  private async mailbox(accountId: number, collectionId: string): Promise<OwnMailbox | null> {
    const id = mailboxIdOf(collectionId);
    return id === null ? null : ownMailbox(this.deps.db, accountId, id);
  }

  async classOf(accountId: number, collectionId: string): Promise<EasClass | null> {
    return (await this.mailbox(accountId, collectionId)) ? 'Email' : null;
  }

  async versions(accountId: number, collectionId: string, filterType: number): Promise<ItemVersions> {
    const out: ItemVersions = new Map();
    const box = await this.mailbox(accountId, collectionId);
    if (!box) return out;
    const rows = await messageVersions(this.deps.db, accountId, box.id, filterSince(filterType));
    for (const r of rows) out.set(itemServerId(box.id, r.uid), String(r.modseq));
    return out;
  }

  async applicationData(
    accountId: number,
    collectionId: string,
    serverIds: string[],
    options: RenderOptions,
  ): Promise<Map<string, EasElement>> {
    const out = new Map<string, EasElement>();
    const box = await this.mailbox(accountId, collectionId);
    if (!box) return out;
    const uids = serverIds.flatMap((id) => {
      const item = itemIn(collectionId, id);
      return item ? [item.uid] : [];
    });
    const rows = await loadMessages(this.deps.db, accountId, box.id, uids);
    if (rows.length === 0) return out;
    const threads = await threadIdsOf(
      this.deps as JmapDeps,
      { id: accountId, address: '' },
      rows.map((r) => r.id),
    );
    const inDrafts = hasUse(box, '\\Drafts');
    // Blobs are read a few at a time: a window of items is one Sync response.
    const raws = await mapLimit(rows, BLOB_READS, async (row) =>
      Buffer.concat([row.headerPrefix, await this.deps.blobs.get(row.blobKey)]),
    );
    rows.forEach((row, i) => {
      out.set(
        itemServerId(box.id, row.uid),
        renderApplicationData({
          row,
          raw: raws[i],
          options,
          threadId: threads.get(row.id),
          inDrafts,
          maxBodyBytes: this.options.maxBodyBytes,
        }),
      );
    });
    return out;
  }

  async add(
    accountId: number,
    collectionId: string,
    data: EasElement,
    version: ProtocolVersion,
  ): Promise<ItemResult> {
    const box = await this.mailbox(accountId, collectionId);
    // MS-ASEMAIL: mail is added by devices only as 16.x drafts; anything else is refused.
    if (!box || !hasUse(box, '\\Drafts') || Number(version) < 16) return { status: STATUS_ERROR };
    return addDraft(this.deps, accountId, box.id, data);
  }

  async change(
    accountId: number,
    collectionId: string,
    serverId: string,
    data: EasElement,
    _version: ProtocolVersion,
  ): Promise<ItemResult> {
    const item = itemIn(collectionId, serverId);
    const box = item ? await this.mailbox(accountId, collectionId) : null;
    if (!item || !box) return { status: STATUS_NOT_FOUND };
    const [row] = await loadMessages(this.deps.db, accountId, box.id, [item.uid]);
    if (!row) return { status: STATUS_NOT_FOUND };
    const change = parseMailChange(data);
    // Additions and removals, not a replacement: a flag another client sets meanwhile survives.
    const add: string[] = [];
    const remove: string[] = [];
    const set = (flag: string, on: boolean | undefined): void => {
      if (on !== undefined) (on ? add : remove).push(flag);
    };
    set('\\Seen', change.seen);
    set('\\Flagged', change.flagged);
    if (change.categories) {
      const wanted = new Set(change.categories.map((c) => c.toLowerCase()));
      remove.push(...row.flags.filter((f) => isCategoryKeyword(f) && !wanted.has(f.toLowerCase())));
      add.push(...change.categories);
    }
    for (const [op, flags] of [
      ['add', add],
      ['remove', remove],
    ] as const) {
      if (flags.length === 0) continue;
      await storeFlags(this.deps.db, this.deps.events, {
        accountId,
        mailboxId: box.id,
        uids: [item.uid],
        op,
        flags,
      });
    }
    return { status: STATUS_OK };
  }

  async remove(
    accountId: number,
    collectionId: string,
    serverId: string,
    options: { deletesAsMoves: boolean },
  ): Promise<ItemResult> {
    const item = itemIn(collectionId, serverId);
    const box = item ? await this.mailbox(accountId, collectionId) : null;
    if (!item || !box) return { status: STATUS_NOT_FOUND };
    const [row] = await loadMessages(this.deps.db, accountId, box.id, [item.uid]);
    if (!row) return { status: STATUS_NOT_FOUND };
    const mover = new MessageMover(this.deps.db, this.deps.events);
    const trash = options.deletesAsMoves ? await specialMailbox(this.deps.db, accountId, '\\Trash') : null;
    if (trash !== null && trash !== box.id) {
      const moved = await mover.move(
        { sourceOwnerId: accountId, sourceId: box.id, targetOwnerId: accountId, targetId: trash },
        [item.uid],
      );
      return { status: moved.sourceUids.length > 0 ? STATUS_OK : STATUS_NOT_FOUND };
    }
    // As IMAP does it: \Deleted, then an expunge of just this message.
    await storeFlags(this.deps.db, this.deps.events, {
      accountId,
      mailboxId: box.id,
      uids: [item.uid],
      op: 'add',
      flags: ['\\Deleted'],
    });
    const { removed } = await mover.expungeDeleted(accountId, box.id, [item.uid]);
    return { status: removed.length > 0 ? STATUS_OK : STATUS_NOT_FOUND };
  }
}
