/** Builds the outbound guard and the held-submission store of a node from its settings. */
import type { Logger } from 'pino';
import type { BlobStore } from '../ports/blob-store';
import type { SqlDatabase } from '../ports/sql';
import { AccountHolds } from './account-holds';
import { HeldSubmissions } from './held-submission';
import { HoldNotice, type NoticeAcceptor } from './hold-notice';
import { LimitStore, type ScopeLimits } from './limits';
import { OutboundGuard } from './outbound-guard';
import type { SignalSettings } from './signals';
import { SqlSendCounters } from './sql-send-counters';

export interface OutboundControl {
  guard: OutboundGuard;
  held: HeldSubmissions;
}

export function outboundControl(
  settings: { enabled: boolean; limits: ScopeLimits; signals: SignalSettings },
  db: SqlDatabase,
  blobs: BlobStore,
  acceptor: NoticeAcceptor,
  hostname: string,
  log: Logger,
): OutboundControl | undefined {
  if (!settings.enabled) return undefined;
  const outLog = log.child({ service: 'outbound' });
  return {
    guard: new OutboundGuard(
      db,
      new SqlSendCounters(db),
      new LimitStore(db, settings.limits),
      new AccountHolds(db),
      settings.signals,
      new HoldNotice(db, acceptor, hostname, outLog),
      outLog,
    ),
    held: new HeldSubmissions(db, blobs),
  };
}
