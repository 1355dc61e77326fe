import type { Logger } from 'pino';
import type { LeasedJob, Spool } from '../../core/ports/spool';
import type { Resolver } from '../../core/ports/resolver';
import { parseMtaStsPolicy, parseMtaStsRecord, type MtaStsPolicy } from '../../core/relay/mta-sts';
import { processOutboundBatch, type OutboundOutcome, type RelayDeps } from '../../core/relay/outbound-job';
import { BatchSpoolWorker } from './spool-worker';

export interface RelayWorkerOptions {
  owner: string;
  /** Jobs received at once; grouped per destination domain. */
  batchSize: number;
  /** Batches in flight at once. */
  maxBatches: number;
  leaseSeconds: number;
  pollIntervalMs: number;
}

/**
 * The `mta` role: drains the outbound queue in batches (so messages for one domain share a
 * connection), extends leases while a batch runs, and waits for in-flight batches on stop() —
 * the shared spool loop, with the relay transport closed after the drain.
 */
export class RelayWorker {
  private readonly worker: BatchSpoolWorker;

  constructor(
    spool: Spool,
    private readonly deps: RelayDeps,
    options: RelayWorkerOptions,
    log: Logger,
    onOutcome: (outcome: OutboundOutcome) => void = () => undefined,
  ) {
    this.worker = new BatchSpoolWorker(
      spool,
      async (jobs: LeasedJob[]) => {
        const outcomes = await processOutboundBatch(jobs, deps);
        for (const outcome of outcomes.values()) onOutcome(outcome);
      },
      {
        queue: 'outbound',
        owner: options.owner,
        concurrency: options.maxBatches,
        batchSize: options.batchSize,
        leaseSeconds: options.leaseSeconds,
        pollIntervalMs: options.pollIntervalMs,
      },
      log,
    );
  }

  start(): void {
    this.worker.start();
  }

  notify(): void {
    this.worker.notify();
  }

  /** Takes no new jobs (batches in flight finish); open connections stay for resume(). */
  pause(): Promise<void> {
    return this.worker.stop();
  }

  resume(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
    await this.deps.transport.close();
  }
}

/**
 * MTA-STS discovery with a cache: TXT `_mta-sts.<domain>` through the resolver port, then the
 * policy file over HTTPS (certificate checked). No record → no policy (and nothing fetched).
 */
export function mtaStsLookup(
  resolver: Resolver,
  fetchPolicy: (domain: string) => Promise<string> = fetchPolicyFile,
): (domain: string) => Promise<MtaStsPolicy | null> {
  const cache = new Map<string, { id: string; policy: MtaStsPolicy | null; expires: number }>();
  return async (domain) => {
    const cached = cache.get(domain);
    if (cached && cached.expires > Date.now()) return cached.policy;
    let id: string | null;
    try {
      id = parseMtaStsRecord(await resolver.txt(`_mta-sts.${domain}`));
    } catch {
      id = null;
    }
    if (!id) {
      // A cached policy stays valid until max_age even if the record disappears (RFC 8461 §5.1).
      const policy = cached?.policy ?? null;
      cache.set(domain, { id: '', policy, expires: Date.now() + 3600_000 });
      return policy;
    }
    if (cached && cached.id === id) return cached.policy;
    let policy: MtaStsPolicy | null = null;
    try {
      policy = parseMtaStsPolicy(await fetchPolicy(domain));
    } catch {
      policy = cached?.policy ?? null;
    }
    cache.set(domain, { id, policy, expires: Date.now() + Math.min(policy?.maxAge ?? 3600, 86400) * 1000 });
    return policy;
  };
}

async function fetchPolicyFile(domain: string): Promise<string> {
  const response = await fetch(`https://mta-sts.${domain}/.well-known/mta-sts.txt`, {
    redirect: 'error',
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`MTA-STS policy fetch: HTTP ${response.status}`);
  return response.text();
}
