/**
 * ItemOperations EmptyFolderContents (MS-ASCMD §2.2.3.58): every item of the account's folder
 * goes. Mail is expunged through the store functions IMAP uses (MessageMover: QRESYNC records,
 * MODSEQ, events to IDLE/Ping listeners); DeleteSubFolders also removes the subfolders. Calendars,
 * contacts and tasks are emptied item by item through their source.
 */
import { MessageMover } from '../../store/copy-move';
import { HIERARCHY_DELIMITER } from '../../store/mailbox-admin';
import type { EasRequest } from '../command';
import { mailboxIdOf } from '../folders';
import { sourceFor } from '../sync/item-source';
import { el, type EasElement } from '../wbxml/tree';
import { mailboxAdmin, ownMailbox } from './folder-common';
import { IoStatus } from './item-operations-fetch';

const IO = 'ItemOperations';
/** UIDs per expunge transaction: a huge folder is emptied in bounded steps. */
const EXPUNGE_BATCH = 1000;

const answer = (status: number, collectionId: string): EasElement =>
  el(IO, 'EmptyFolderContents', el(IO, 'Status', status), el('AirSync', 'CollectionId', collectionId));

async function emptyMailbox(request: EasRequest, mailboxId: number): Promise<void> {
  const mover = new MessageMover(request.deps.db, request.deps.events);
  for (;;) {
    const rows = await request.deps.db.query<{ uid: string }>(
      `SELECT uid FROM messages WHERE mailbox_id = $1 ORDER BY uid LIMIT $2`,
      [mailboxId, EXPUNGE_BATCH],
    );
    if (rows.rows.length === 0) return;
    const removed = await mover.expunge(
      request.account.id,
      mailboxId,
      rows.rows.map((r) => Number(r.uid)),
    );
    if (removed.length === 0) return; // someone else got there first; nothing left to take
  }
}

export async function emptyFolder(
  request: EasRequest,
  collectionId: string,
  deleteSubFolders: boolean,
): Promise<EasElement> {
  const accountId = request.account.id;
  if (mailboxIdOf(collectionId) !== null) {
    const mailbox = await ownMailbox(request, collectionId);
    if (!mailbox) return answer(IoStatus.NotFound, collectionId);
    await emptyMailbox(request, Number(mailbox.id));
    if (deleteSubFolders) {
      const admin = mailboxAdmin(request);
      const prefix = mailbox.name + HIERARCHY_DELIMITER;
      const children = (await admin.list(accountId))
        .filter((r) => r.name.startsWith(prefix))
        .sort((a, b) => b.name.length - a.name.length);
      for (const c of children) await admin.delete(accountId, c.name);
    }
    return answer(IoStatus.Success, collectionId);
  }
  const source = sourceFor(request.deps.items, collectionId);
  if (!source || !(await source.classOf(accountId, collectionId)))
    return answer(IoStatus.NotFound, collectionId);
  const items = await source.versions(accountId, collectionId, 0);
  for (const serverId of items.keys())
    await source.remove(accountId, collectionId, serverId, { deletesAsMoves: false });
  return answer(IoStatus.Success, collectionId);
}
