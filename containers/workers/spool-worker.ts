import type { Logger } from 'pino';
import type { LeasedJob, QueueName, Spool } from '../../core/ports/spool';

export interface SpoolWorkerOptions {
  queue: QueueName;
  owner: string;
  /** How many handler calls may run at once. */
  concurrency: number;
  leaseSeconds: number;
  pollIntervalMs: number;
  /** Jobs handed to one handler call (1 = one job per call). */
  batchSize?: number;
}

/**
 * Drains one spool queue with bounded concurrency, in batches. Leases are extended while a batch
 * runs (so a long job is not handed to another node), and stop() waits for batches in flight: a
 * graceful drain.
 */
export class BatchSpoolWorker {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly spool: Spool,
    private readonly handler: (jobs: LeasedJob[]) => Promise<unknown>,
    private readonly options: SpoolWorkerOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Wakes the loop now (a message was just accepted on this node). */
  notify(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 1;
    while (this.running) {
      let jobs: LeasedJob[] = [];
      if (this.inFlight.size < this.options.concurrency) {
        try {
          jobs = await this.spool.receive(this.options.queue, {
            max: batchSize,
            leaseSeconds: this.options.leaseSeconds,
            owner: this.options.owner,
          });
        } catch (error) {
          this.log.warn({ err: error, queue: this.options.queue }, 'spool receive failed; backing off');
        }
      }
      if (jobs.length > 0) this.launch(jobs);
      if (jobs.length === 0 || this.inFlight.size >= this.options.concurrency) {
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
    const task = this.handler(jobs)
      .then(() => undefined)
      .catch((error: unknown) => {
        // The leases expire and the jobs come back: nothing is lost.
        this.log.error({ err: error, jobs: jobs.map((job) => job.id) }, 'spool jobs failed unexpectedly');
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

/** One job per handler call, `concurrency` at a time. */
export class SpoolWorker extends BatchSpoolWorker {
  constructor(
    spool: Spool,
    handler: (job: LeasedJob) => Promise<unknown>,
    options: SpoolWorkerOptions,
    log: Logger,
  ) {
    super(spool, (jobs) => Promise.all(jobs.map(handler)), { ...options, batchSize: 1 }, log);
  }
}
