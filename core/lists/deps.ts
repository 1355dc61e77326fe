import type { DkimSigningKey } from '../dkim/dkim-keys';
import type { Directory } from '../directory/directory';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { Resolver } from '../ports/resolver';
import type { Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import type { MailboxStore } from '../store/mailbox-store';
import type { MessageAcceptor } from '../delivery/message-acceptor';

/** List limits and defaults; the `lists` config section (containers/node/config-lists.ts) fills them. */
export interface ListSettings {
  /** Base URL of the web role for confirm/unsubscribe/archive links, e.g. https://mail.example.com */
  webBase: string;
  /** Secret for subscription and one-click unsubscribe tokens (HMAC). */
  tokenSecret: Buffer;
  /** Members fetched per page during fan-out (no list is ever loaded whole). */
  fanoutPageSize: number;
  /** Largest post accepted, bytes. */
  maxPostBytes: number;
  /** Bounce score at which a member is disabled (Mailman's bounce_score_threshold). */
  bounceScoreThreshold: number;
  /** Days after which a member's bounce score is forgotten (bounce_info_stale_after). */
  bounceStaleDays: number;
}

/**
 * What the list code needs from the node: built by the composition root (containers/node) and by
 * the web role. `core/lists` holds no sockets; mail leaves through the spool (outbound queue) and
 * notices (confirmations, owner notices) through the acceptor like any other local submission.
 */
export interface ListDeps {
  db: SqlDatabase;
  blobs: BlobStore;
  spool: Spool;
  directory: Directory;
  mailboxes: MailboxStore;
  events: MailboxEvents;
  acceptor: Pick<MessageAcceptor, 'accept'>;
  /** DNS for DMARC policy lookups of authors' domains (the resolver override in tests). */
  resolver: Resolver;
  /** The list domain's DKIM key (null when the domain has none). */
  dkimKey: (domain: string) => Promise<DkimSigningKey | null>;
  settings: ListSettings;
  now: () => Date;
}
