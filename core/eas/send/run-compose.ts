/**
 * SendMail, SmartReply and SmartForward share one flow: parse the request, find the original (the
 * smart commands), compose, check and send through the spool, then the Sent copy and the flag on
 * the original. Success is an empty 200 (MS-ASCMD §2.2.1.17); every failure is a Status in the
 * command's root element. A ClientId is claimed before the message leaves and given back when it
 * did not, so a retried request is sent once (Status 118 for the repeat).
 */
import type { EasRequest, EasResponse } from '../command';
import { reply } from '../command';
import { el } from '../wbxml/tree';
import { claimClientId, pruneClientIds, releaseClientId } from './client-ids';
import { composeSmart } from './compose';
import { parseComposeRequest, type ComposeCommand } from './compose-request';
import { markOriginal, saveToSent } from './mailbox-effects';
import { toCrlf } from './mime-parts';
import { loadOriginal, sourceItem, type OriginalMessage } from './original';
import { ComposeError, ComposeStatus } from './status';
import { guardedAcceptor, OutboundRefused } from '../../outbound/guarded-submit';
import { DEFAULT_SEND_LIMITS, prepareOutgoing, submitOutgoing, type SendLimits } from './submit';

const statusReply = (command: ComposeCommand, status: number): EasResponse =>
  reply(el('ComposeMail', command, el('ComposeMail', 'Status', status)));

async function composed(
  command: ComposeCommand,
  original: OriginalMessage | null,
  body: {
    mime: Buffer;
    replaceMime: boolean;
  },
): Promise<Buffer> {
  if (!original) return toCrlf(body.mime);
  try {
    return await composeSmart(
      command === 'SmartReply' ? 'reply' : 'forward',
      body.mime,
      original,
      body.replaceMime,
    );
  } catch {
    // The device's MIME could not be combined with the original (ill-formed beyond repair).
    throw new ComposeError(ComposeStatus.MessageReplyFailed, 'could not compose');
  }
}

export async function runCompose(
  request: EasRequest,
  command: ComposeCommand,
  limits: SendLimits = DEFAULT_SEND_LIMITS,
): Promise<EasResponse> {
  const parsed = parseComposeRequest(command, request.body);
  if ('status' in parsed) return statusReply(command, parsed.status);
  const { deps, account, device } = request;
  if (!deps.acceptor) return statusReply(command, ComposeStatus.MailSubmissionFailed);

  let original: OriginalMessage | null = null;
  if (parsed.source) {
    const item = sourceItem(parsed.source);
    original = item ? await loadOriginal(deps.db, deps.blobs, account.id, item) : null;
    if (!original) return statusReply(command, ComposeStatus.ItemNotFound);
  }

  let outgoing;
  try {
    const message = await composed(command, original, parsed);
    outgoing = await prepareOutgoing(deps.db, deps.directory, account, message, limits);
  } catch (error) {
    if (error instanceof ComposeError) return statusReply(command, error.status);
    throw error;
  }

  if (!(await claimClientId(deps.db, device.id, parsed.clientId)))
    return statusReply(command, ComposeStatus.MessagePreviouslySent);
  try {
    // Outbound limits and account holds (core/outbound): over a limit, SendQuotaExceeded.
    const acceptor = guardedAcceptor(
      { db: deps.db, blobs: deps.blobs, acceptor: deps.acceptor, outbound: deps.outbound },
      account.address,
    );
    await submitOutgoing(acceptor, account, outgoing);
  } catch (error) {
    await releaseClientId(deps.db, device.id, parsed.clientId);
    if (error instanceof OutboundRefused) return statusReply(command, ComposeStatus.SendQuotaExceeded);
    throw error; // the dispatcher answers 111: the device retries later
  }

  // The message has left: these must not make the device send it again, so failures stay here.
  const mailboxes = { db: deps.db, blobs: deps.blobs, events: deps.events };
  if (parsed.saveInSentItems) await saveToSent(mailboxes, account.id, outgoing.message).catch(() => false);
  if (original)
    await markOriginal(mailboxes, account.id, original, command === 'SmartReply' ? 'reply' : 'forward').catch(
      () => undefined,
    );
  await pruneClientIds(deps.db, device.id).catch(() => undefined);
  return reply(null);
}
