/**
 * What an ActiveSync command handler gets and gives: the decoded request of one authenticated
 * account and device, and a response tree (or an HTTP status). No HTTP here: functions/eas
 * parses the transport and calls handlers from the registry (commands/index.ts).
 */
import type { OutboundControl } from '../outbound/setup';
import type { MessageAcceptor } from '../delivery/message-acceptor';
import type { Directory } from '../directory/directory';
import type { PimStore } from '../pim/pim-store';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase } from '../ports/sql';
import type { EasDevice } from './devices';
import type { PimFolderSource } from './folders';
import type { EasPolicy } from './policy';
import type { ProtocolVersion } from './protocol';
import type { EasItemSource } from './sync/item-source';
import type { EasElement } from './wbxml/tree';

export interface EasDeps {
  db: SqlDatabase;
  events: MailboxEvents;
  policy: EasPolicy;
  blobs: BlobStore;
  directory: Directory;
  /** Where mail may be sent (SendMail, SmartReply, SmartForward, MeetingResponse); absent: refused. */
  acceptor?: Pick<MessageAcceptor, 'accept'>;
  /** Outbound limits and holds for sending (core/outbound; see JmapDeps.outbound). */
  outbound?: OutboundControl | null;
  /** Calendars, contacts and tasks folders (core/eas/pim-folders.ts); absent: mail folders only. */
  pim?: PimFolderSource;
  /** The PIM store behind those folders, for their items. */
  pimStore?: PimStore;
  /** The items of each folder kind (core/eas/sync/item-source.ts), built by functions/eas/deps.ts. */
  items: readonly EasItemSource[];
  /** Ping's longest wait and folder count (MS-ASCMD §2.2.1.13: HeartbeatInterval bounds). */
  ping: { minHeartbeatSeconds: number; maxHeartbeatSeconds: number; maxFolders: number };
  /** Configured limits (functions/eas/settings.ts); a missing one: the command's own default. */
  limits?: Partial<EasLimits>;
}

/** ActiveSync limits a deployment may set (issue #15); each defaults to the constant it replaces. */
export interface EasLimits {
  /** Most bytes of any rendered body (email-body.ts DEFAULT_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** SendMail / SmartReply / SmartForward: message size and recipients (send/submit.ts). */
  maxMessageBytes: number;
  maxRecipients: number;
  /** Search / Find: most messages scanned (search/mailbox-search.ts). */
  maxSearchScan: number;
  /** Sync: collections and commands in one request (sync/sync-request.ts). */
  maxSyncCollections: number;
  maxSyncCommands: number;
  /** ResolveRecipients: most To entries (commands/resolve-recipients.ts LIMITS.maxTo). */
  maxResolveRecipients: number;
}

export interface EasRequest {
  command: string;
  version: ProtocolVersion;
  account: { id: number; address: string };
  device: EasDevice;
  /** The decoded WBXML body; null for an empty body. */
  body: EasElement | null;
  /** X-MS-PolicyKey (or the base64 query's policy key); null when absent or 0. */
  policyKey: number | null;
  deps: EasDeps;
  /** Query-string parameters (AttachmentName, CollectionId, ItemId, LongId …), when given. */
  params?: Readonly<Record<string, string>>;
}

/**
 * A response body, a bare HTTP status (e.g. 400 for a body that is not the command's), or raw
 * bytes with their content type (GetAttachment answers with the attachment itself).
 */
export type EasResponse =
  { body: EasElement | null } | { httpStatus: number } | { raw: Buffer; contentType: string };

export interface EasCommand {
  name: string;
  /** The response's root element, where common status codes (142, 144 …) are reported. */
  root: { namespace: string; name: string };
  /** Refused until the device holds a valid policy key (everything but Provision). */
  needsPolicy: boolean;
  handle(request: EasRequest): Promise<EasResponse>;
}

export const reply = (body: EasElement | null): EasResponse => ({ body });
