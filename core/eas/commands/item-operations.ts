/**
 * ItemOperations (MS-ASCMD §2.2.1.10): Fetch, EmptyFolderContents and Move, each answered with
 * its own Status in request order. Move by ConversationId is not supported yet: it answers
 * Status 6 (no such conversation). Multipart responses (MS-ASAcceptMultiPart) are not offered:
 * attachment data always comes inline as base64.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { el, type EasElement } from '../wbxml/tree';
import { emptyFolder } from './item-operations-empty';
import { IoStatus, runFetch } from './item-operations-fetch';
import { parseItemOperations, type ItemOperation } from './item-operations-parse';

const IO = 'ItemOperations';

async function run(request: EasRequest, op: ItemOperation): Promise<EasElement> {
  switch (op.op) {
    case 'fetch':
      return runFetch(request, op);
    case 'empty':
      return emptyFolder(request, op.collectionId, op.deleteSubFolders);
    case 'move':
      return el(IO, 'Move', el(IO, 'Status', IoStatus.NotFound), el(IO, 'ConversationId', op.conversationId));
    case 'invalid':
      return el(
        IO,
        op.name === 'EmptyFolderContents' || op.name === 'Move' ? op.name : 'Fetch',
        el(IO, 'Status', IoStatus.ProtocolError),
      );
  }
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const ops = request.body ? parseItemOperations(request.body, request.version) : null;
  if (!ops) return reply(el(IO, 'ItemOperations', el(IO, 'Status', IoStatus.ProtocolError)));
  const answers: EasElement[] = [];
  for (const op of ops) answers.push(await run(request, op));
  return reply(el(IO, 'ItemOperations', el(IO, 'Status', IoStatus.Success), el(IO, 'Response', ...answers)));
}

export const itemOperationsCommand: EasCommand = {
  name: 'ItemOperations',
  root: { namespace: IO, name: 'ItemOperations' },
  needsPolicy: true,
  handle,
};
