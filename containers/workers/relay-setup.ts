import type { Logger } from 'pino';
import { AutomaticLimits } from '../../core/outbound/automatic-limits';
import { SqlSendCounters } from '../../core/outbound/sql-send-counters';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import type { DkimKeyStore, DkimSigningKey } from '../../core/dkim/dkim-keys';
import { signMessage } from '../../core/dkim/dkim-signer';
import type { Metrics } from '../../core/ports/metrics';
import type { Resolver } from '../../core/ports/resolver';
import { KeyedLimiter } from '../../core/relay/concurrency';
import type { RelaySettings } from '../../core/relay/outbound-job';
import { parseSchedule } from '../../core/spool/retry-schedule';
import type { NodeConfig } from '../node/config';
import type { Storage } from '../node/storage';
import { SmtpClientPool } from './relay-smtp-client';
import { RelayDomainStore } from '../../core/relay-domains/relay-domain-store';
import { RelayDomainRouting } from '../../core/relay-domains/relay-routing';
import { HeldMail } from '../../core/spool/held-mail';
import { startBackupProbe } from '../smtp/etrn-command';
import { RelayWorker, mtaStsLookup } from './relay-worker';
import { outboundControl } from '../../core/outbound/setup';

export interface RelayHandle {
  notify(): void;
  /** Draining: no new jobs until resume(). */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

/** Builds the relay settings from configuration (shared with the benchmark). */
export function relaySettings(config: NodeConfig): RelaySettings {
  const relay = config.relay;
  const smarthost = relay.smarthost;
  return {
    hostname: config.hostname,
    policy: { delays: parseSchedule(relay.retrySchedule), lifetimeSeconds: relay.lifetime },
    delayWarningAfterSeconds: relay.delayWarningAfter,
    maxHopSeconds: Math.max(1, relay.maxQueueDelay),
    maxPerDestination: relay.maxPerDestination,
    smarthost: smarthost
      ? {
          host: smarthost.host,
          address: smarthost.host,
          port: smarthost.port,
          priority: 0,
          implicitTls: smarthost.tls === 'implicit',
          requireTls: smarthost.tls === 'starttls',
          auth: smarthost.user ? { user: smarthost.user, pass: smarthost.password ?? '' } : undefined,
        }
      : undefined,
  };
}

/** The `mta` role: outbound queue → remote MX (or smarthost), with DKIM signing and DSNs. */
export function startRelay(input: {
  config: NodeConfig;
  storage: Storage;
  acceptor: MessageAcceptor;
  dkimKeys: DkimKeyStore;
  resolver: Resolver;
  nodeId: string;
  metrics: Metrics;
  log: Logger;
}): RelayHandle {
  const { config, storage, log } = input;
  const transport = new SmtpClientPool(
    {
      heloName: config.relay.heloName ?? config.hostname,
      idleMs: 5000,
      maxMessagesPerConnection: 100,
      connectionTimeoutMs: config.relay.connectionTimeoutMs,
      socketTimeoutMs: config.relay.socketTimeoutMs,
    },
    log,
  );
  // Keys are read (and decrypted) at most once a minute per domain.
  const keyCache = new Map<string, { key: Promise<DkimSigningKey | null>; expires: number }>();
  const keyFor = (domain: string) => {
    const cached = keyCache.get(domain);
    if (cached && cached.expires > Date.now()) return cached.key;
    const key = input.dkimKeys.signingKey(domain);
    keyCache.set(domain, { key, expires: Date.now() + 60_000 });
    return key;
  };
  const relayDomains = new RelayDomainRouting(
    new RelayDomainStore(storage.db),
    new HeldMail(storage.db),
    [config.hostname, ...(config.relay.heloName ? [config.relay.heloName] : [])],
    input.resolver,
  );
  const probe = startBackupProbe(relayDomains, storage.spool, log);
  // Remote refusals of an account's mail feed the rejects signal (docs/outbound.md).
  const outbound = outboundControl(
    config.outbound,
    storage.db,
    storage.blobs,
    input.acceptor,
    config.hostname,
    log,
  );
  const worker = new RelayWorker(
    storage.spool,
    {
      db: storage.db,
      spool: storage.spool,
      blobs: storage.blobs,
      acceptor: input.acceptor,
      transport,
      resolver: input.resolver,
      limiter: new KeyedLimiter(config.relay.maxPerDestination),
      settings: relaySettings(config),
      sign: (message, mailFrom) => signMessage(message, mailFrom, keyFor),
      mtaSts: config.relay.smarthost ? undefined : mtaStsLookup(input.resolver),
      relayDomains,
      automatic: config.outbound.enabled
        ? new AutomaticLimits(new SqlSendCounters(storage.db), config.outbound.automatic)
        : undefined,
      onEvent: (event) => {
        if (event.kind === 'bounced' && event.mailFrom && outbound) {
          void outbound.guard
            .noteReject(event.mailFrom)
            .catch((err: unknown) => log.warn({ err }, 'reject not counted'));
        }
        if (event.kind === 'sent') log.info(event, 'relayed');
        else if (event.kind === 'deferred') log.info(event, 'deferred');
        else if (event.kind === 'dsn') log.warn(event, 'delivery status notification queued');
        else if (event.kind === 'dsn-limited')
          log.warn(event, 'delivery status notification not sent: limit');
        else log.warn(event, 'bounced');
      },
    },
    {
      owner: input.nodeId,
      batchSize: config.relay.batchSize,
      maxBatches: config.relay.maxBatches,
      leaseSeconds: config.relay.leaseSeconds,
      pollIntervalMs: config.relay.pollIntervalMs,
    },
    log,
    (outcome) => {
      if (outcome === 'sent') input.metrics.increment('messages_delivered', 1, { queue: 'outbound' });
      else if (outcome === 'deferred') input.metrics.increment('messages_deferred', 1, { queue: 'outbound' });
      else if (outcome === 'bounced') input.metrics.increment('messages_bounced', 1, { queue: 'outbound' });
    },
  );
  worker.start();
  return {
    notify: () => worker.notify(),
    pause: () => worker.pause(),
    resume: () => worker.resume(),
    stop: () => {
      probe.stop();
      return worker.stop();
    },
  };
}
