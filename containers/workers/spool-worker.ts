import type { Logger } from 'pino';
import type { LeasedJob, QueueName, Spool } from '../../core/ports/spool';

export interface SpoolWorkerOptions {
  queue: QueueName;
  owner: string;
  concurrency: number;
  leaseSeconds: number;
  pollIntervalMs: number;
}

/**
 * Drains one spool queue with bounded concurrency. Leases are extended while a job runs (so a
 * long job is not handed to another node), and stop() waits for in-flight jobs: a graceful drain.
 */
export class SpoolWorker {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly spool: Spool,
    private readonly handler: (job: LeasedJob) => Promise<unknown>,
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
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let jobs: LeasedJob[] = [];
      if (free > 0) {
        try {
          jobs = await this.spool.receive(this.options.queue, {
            max: free,
            leaseSeconds: this.options.leaseSeconds,
            owner: this.options.owner,
          });
        } catch (error) {
          this.log.warn({ err: error, queue: this.options.queue }, 'spool receive failed; backing off');
        }
      }
      for (const job of jobs) this.launch(job);
      if (jobs.length === 0 || this.inFlight.size >= this.options.concurrency) {
        await this.waitForWork(jobs.length === 0 ? this.options.pollIntervalMs : 1000);
      }
    }
  }

  private launch(job: LeasedJob): void {
    const heartbeat = setInterval(
      () => {
        this.spool.extendLease(job, this.options.leaseSeconds).catch(() => undefined);
      },
      (this.options.leaseSeconds * 1000) / 2,
    );
    const task = this.handler(job)
      .then(() => undefined)
      .catch((error: unknown) => {
        // The lease expires and the job comes back: nothing is lost.
        this.log.error({ err: error, jobId: job.id }, 'spool job failed unexpectedly');
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
