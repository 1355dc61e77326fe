import type { Logger } from 'pino';
import type { LeasedJob, Spool } from '../../core/ports/spool';
import type { Resolver } from '../../core/ports/resolver';
import { parseMtaStsPolicy, parseMtaStsRecord, type MtaStsPolicy } from '../../core/relay/mta-sts';
import { processOutboundBatch, type OutboundOutcome, type RelayDeps } from '../../core/relay/outbound-job';

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
 * connection), extends leases while a batch runs, and waits for in-flight batches on stop().
 */
export class RelayWorker {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly spool: Spool,
    private readonly deps: RelayDeps,
    private readonly options: RelayWorkerOptions,
    private readonly log: Logger,
    private readonly onOutcome: (outcome: OutboundOutcome) => void = () => undefined,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  notify(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.deps.transport.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let jobs: LeasedJob[] = [];
      if (this.inFlight.size < this.options.maxBatches) {
        try {
          jobs = await this.spool.receive('outbound', {
            max: this.options.batchSize,
            leaseSeconds: this.options.leaseSeconds,
            owner: this.options.owner,
          });
        } catch (error) {
          this.log.warn({ err: error }, 'outbound receive failed; backing off');
        }
      }
      if (jobs.length > 0) this.launch(jobs);
      if (jobs.length === 0 || this.inFlight.size >= this.options.maxBatches) {
        await this.waitForWork(jobs.length === 0 ? this.options.pollIntervalMs : 1000);
      }
    }
  }

  private launch(jobs: LeasedJob[]): void {
    const heartbeat = setInterval(
      () => {
        for (const job of jobs) this.spool.extendLease(job, this.options.leaseSeconds).catch(() => undefined);
      },
      (this.options.leaseSeconds * 1000) / 2,
    );
    const task = processOutboundBatch(jobs, this.deps)
      .then((outcomes) => {
        for (const outcome of outcomes.values()) this.onOutcome(outcome);
      })
      .catch((error: unknown) => {
        // Leases expire and the jobs come back: nothing is lost.
        this.log.error({ err: error, jobs: jobs.length }, 'outbound batch failed unexpectedly');
      })
      .finally(() => {
        clearInterval(heartbeat);
        this.inFlight.delete(task);
        this.notify();
      });
    this.inFlight.add(task);
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
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
