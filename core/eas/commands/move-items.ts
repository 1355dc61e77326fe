/**
 * MoveItems (MS-ASCMD §2.2.1.12): each Move(SrcMsgId, SrcFldId, DstFldId) answered with its
 * Response and Status (§2.2.3.177.9). Mail moves as IMAP MOVE does (MessageMover: the row keeps
 * its id, the source records an expunge, both folders get events), and the new item's ServerId
 * is "m<destination>:<new uid>". Another account's folder or item is invalid (1 or 2).
 */
import { MessageMover } from '../../store/copy-move';
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { mailboxIdOf } from '../folders';
import { CommonStatus } from '../protocol';
import { el, textAt, type EasElement } from '../wbxml/tree';
import { ownMailbox } from './folder-common';

export const MoveStatus = {
  InvalidSource: 1,
  InvalidDestination: 2,
  Success: 3,
  SameFolder: 4,
  CannotMove: 5,
  Locked: 7,
} as const;

/** Moves one request may carry. */
export const MAX_MOVES = 500;
const MOVE = 'Move';

interface MoveRequest {
  srcMsgId: string;
  srcFldId: string;
  dstFldId: string;
}

export function parseMoveItems(body: EasElement | null): MoveRequest[] | null {
  if (!body || body.name !== 'MoveItems' || body.page !== 5) return null;
  const moves = body.children;
  if (moves.length === 0 || moves.length > MAX_MOVES) return null;
  const out: MoveRequest[] = [];
  for (const m of moves) {
    if (m.name !== 'Move') return null;
    const srcMsgId = textAt(m, 'SrcMsgId');
    const srcFldId = textAt(m, 'SrcFldId');
    const dstFldId = textAt(m, 'DstFldId');
    if (!srcMsgId || !srcFldId || !dstFldId) return null;
    out.push({ srcMsgId, srcFldId, dstFldId });
  }
  return out;
}

/** The UID of a mail ServerId inside the folder `folderId` ("m12:345" in "m12"), or null. */
function uidIn(folderId: string, serverId: string): number | null {
  const cut = serverId.indexOf(':');
  if (cut < 0 || serverId.slice(0, cut) !== folderId) return null;
  const uid = serverId.slice(cut + 1);
  return /^[1-9][0-9]{0,9}$/.test(uid) ? Number(uid) : null;
}

async function moveOne(
  request: EasRequest,
  move: MoveRequest,
): Promise<{ status: number; dstMsgId?: string }> {
  if (mailboxIdOf(move.srcFldId) === null) {
    // Calendars, contacts and tasks: no move between their collections yet.
    return { status: /^[ca][0-9]+$/.test(move.srcFldId) ? MoveStatus.CannotMove : MoveStatus.InvalidSource };
  }
  const source = await ownMailbox(request, move.srcFldId);
  const uid = uidIn(move.srcFldId, move.srcMsgId);
  if (!source || uid === null) return { status: MoveStatus.InvalidSource };
  const target = await ownMailbox(request, move.dstFldId);
  if (!target) return { status: MoveStatus.InvalidDestination };
  if (Number(target.id) === Number(source.id)) return { status: MoveStatus.SameFolder };
  const result = await new MessageMover(request.deps.db, request.deps.events).move(
    {
      sourceOwnerId: request.account.id,
      sourceId: Number(source.id),
      targetOwnerId: request.account.id,
      targetId: Number(target.id),
    },
    [uid],
  );
  const newUid = result.targetUids[0];
  if (newUid === undefined) return { status: MoveStatus.InvalidSource };
  return { status: MoveStatus.Success, dstMsgId: `${move.dstFldId}:${newUid}` };
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const moves = parseMoveItems(request.body);
  if (!moves) return reply(el(MOVE, 'MoveItems', el(MOVE, 'Status', CommonStatus.InvalidContent)));
  const responses: EasElement[] = [];
  for (const move of moves) {
    const { status, dstMsgId } = await moveOne(request, move);
    responses.push(
      el(
        MOVE,
        'Response',
        el(MOVE, 'SrcMsgId', move.srcMsgId),
        el(MOVE, 'Status', status),
        dstMsgId && el(MOVE, 'DstMsgId', dstMsgId),
      ),
    );
  }
  return reply(el(MOVE, 'MoveItems', ...responses));
}

export const moveItemsCommand: EasCommand = {
  name: 'MoveItems',
  root: { namespace: MOVE, name: 'MoveItems' },
  needsPolicy: true,
  handle,
};
