/**
 * The request body of SendMail, SmartReply and SmartForward (MS-ASCMD §2.2.1.17, .19, .20; 14.0
 * and later: WBXML on the ComposeMail page): ClientId, SaveInSentItems, ReplaceMime, Mime and,
 * for the smart commands, Source (FolderId + ItemId, or LongId; InstanceId for a calendar
 * occurrence). Parsing only; what is malformed comes back as the Status to answer with.
 */
import { pageOf } from '../wbxml/code-pages';
import { child, type EasElement } from '../wbxml/tree';
import { ComposeStatus } from './status';

export type ComposeCommand = 'SendMail' | 'SmartReply' | 'SmartForward';

export interface ComposeSource {
  folderId?: string;
  itemId?: string;
  longId?: string;
  instanceId?: string;
}

export interface ComposeRequest {
  command: ComposeCommand;
  clientId: string;
  saveInSentItems: boolean;
  replaceMime: boolean;
  mime: Buffer;
  source?: ComposeSource;
}

/** ClientId: the device's own id for the message, up to 40 characters (§2.2.3.28.1). */
const CLIENT_ID = /^[\x21-\x7e]{1,40}$/;
/** Folder and item ids as we hand them out, bounded before they reach SQL. */
const ID = /^[\x21-\x7e]{1,128}$/;

const COMPOSE_PAGE = pageOf('ComposeMail');
const opaqueOrText = (e: EasElement | undefined): Buffer | undefined =>
  e?.opaque ?? (e?.text !== undefined ? Buffer.from(e.text, 'utf8') : undefined);
const textOf = (e: EasElement | undefined): string | undefined =>
  e?.text ?? (e?.opaque ? e.opaque.toString('utf8') : undefined);

function source(node: EasElement | undefined): ComposeSource | number {
  if (!node) return ComposeStatus.InvalidContent;
  const out: ComposeSource = {};
  for (const name of ['FolderId', 'ItemId', 'LongId', 'InstanceId'] as const) {
    const element = node.children.find((c) => c.name === name);
    if (!element) continue;
    const value = (textOf(element) ?? '').trim();
    if (!ID.test(value)) return ComposeStatus.InvalidContent;
    out[(name[0].toLowerCase() + name.slice(1)) as keyof ComposeSource] = value;
  }
  // The item is named by ItemId (with its folder) or by a Search LongId.
  if (!out.longId && !out.itemId) return ComposeStatus.InvalidContent;
  return out;
}

/** The request, or the Status for a body that is not a valid request of `command`. */
export function parseComposeRequest(
  command: ComposeCommand,
  body: EasElement | null,
): ComposeRequest | { status: number } {
  if (!body || body.name !== command || body.page !== COMPOSE_PAGE)
    return { status: ComposeStatus.InvalidXML };
  const clientId = textOf(child(body, 'ClientId'))?.trim() ?? '';
  if (!CLIENT_ID.test(clientId)) return { status: ComposeStatus.InvalidContent };
  const mime = opaqueOrText(child(body, 'Mime'));
  if (!mime || mime.length === 0) return { status: ComposeStatus.InvalidMIME };
  const request: ComposeRequest = {
    command,
    clientId,
    saveInSentItems: child(body, 'SaveInSentItems') !== undefined,
    replaceMime: child(body, 'ReplaceMime') !== undefined,
    mime,
  };
  if (command !== 'SendMail') {
    const parsed = source(child(body, 'Source'));
    if (typeof parsed === 'number') return { status: parsed };
    request.source = parsed;
  }
  return request;
}
