/**
 * What an ActiveSync command handler gets and gives: the decoded request of one authenticated
 * account and device, and a response tree (or an HTTP status). No HTTP here: functions/eas
 * parses the transport and calls handlers from the registry (commands/index.ts).
 */
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase } from '../ports/sql';
import type { EasDevice } from './devices';
import type { PimFolderSource } from './folders';
import type { EasPolicy } from './policy';
import type { ProtocolVersion } from './protocol';
import type { EasElement } from './wbxml/tree';

export interface EasDeps {
  db: SqlDatabase;
  events: MailboxEvents;
  policy: EasPolicy;
  /** Calendars, contacts and tasks folders (core/eas/pim-folders.ts); absent: mail folders only. */
  pim?: PimFolderSource;
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
}

/** A response body, or a bare HTTP status (e.g. 400 for a body that is not the command's). */
export type EasResponse = { body: EasElement | null } | { httpStatus: number };

export interface EasCommand {
  name: string;
  /** The response's root element, where common status codes (142, 144 …) are reported. */
  root: { namespace: string; name: string };
  /** Refused until the device holds a valid policy key (everything but Provision). */
  needsPolicy: boolean;
  handle(request: EasRequest): Promise<EasResponse>;
}

export const reply = (body: EasElement | null): EasResponse => ({ body });
