/** The core services IMAP sessions share (one set per server). */
import { ImapAppender } from '../../core/store/imap-append';
import { ImapView } from '../../core/store/imap-view';
import { MailboxAdmin } from '../../core/store/mailbox-admin';
import { MessageMover } from '../../core/store/copy-move';
import { SearchEngine } from '../../core/store/search/search-engine';
import { threadAssigner } from '../../core/store/message-threads';
import { ConnectionLimiter } from '../net/connection-limiter';
import type { ImapServerDeps } from './types';

export class ImapServices {
  readonly admin: MailboxAdmin;
  readonly view: ImapView;
  readonly mover: MessageMover;
  readonly appender: ImapAppender;
  readonly search: SearchEngine;
  /** Logged-in sessions per (account, client address): `maxConnectionsPerUserIp`. */
  readonly userConnections: ConnectionLimiter;

  constructor(readonly deps: ImapServerDeps) {
    this.admin = new MailboxAdmin(deps.db, deps.events);
    this.view = new ImapView(deps.db);
    this.mover = new MessageMover(deps.db, deps.events);
    this.appender = new ImapAppender(deps.db, deps.blobs, deps.store, deps.events);
    this.search = new SearchEngine(deps.db, deps.blobs, threadAssigner(deps));
    this.userConnections = new ConnectionLimiter(
      Number.MAX_SAFE_INTEGER,
      deps.options.maxConnectionsPerUserIp,
    );
  }
}
