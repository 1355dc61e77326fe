import type { SieveLimits } from '../sieve/sieve-limits';
import type { MessageAcceptor } from '../delivery/message-acceptor';
import type { Directory } from '../directory/directory';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase } from '../ports/sql';
import type { OutboundControl } from '../outbound/setup';

/** What the JMAP methods need: ports only, no HTTP. */
export interface JmapDeps {
  db: SqlDatabase;
  blobs: BlobStore;
  events: MailboxEvents;
  directory: Directory;
  /** Present where mail may be sent (EmailSubmission/set); absent → forbidden. */
  acceptor?: Pick<MessageAcceptor, 'accept'>;
  /** Sieve script limits (the `sieve` settings); default core/sieve/sieve-limits.ts. */
  sieveLimits?: SieveLimits;
  /**
   * Outbound limits and holds for EmailSubmission and ActiveSync sending (core/outbound), from the
   * node's `outbound` settings; null: turned off; absent (Lambda): built-in limits + SQL overrides.
   */
  outbound?: OutboundControl | null;
}

/** The authenticated principal of one request: every method is confined to this account. */
export interface JmapAccount {
  id: number;
  address: string;
}

export interface JmapLimits {
  maxSizeUpload: number;
  maxSizeRequest: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
}

export const DEFAULT_LIMITS: JmapLimits = {
  maxSizeUpload: 25 * 1024 * 1024,
  maxSizeRequest: 10 * 1024 * 1024,
  maxCallsInRequest: 64,
  maxObjectsInGet: 1000,
  maxObjectsInSet: 1000,
};
