/**
 * The spool port: durable job queues with leases (visibility timeouts), delayed retries,
 * attempt counts and a dead-letter state. The local adapter keeps jobs in SQL; the AWS adapter
 * uses SQS (claim check: the message bytes stay in the blob store, jobs carry the key).
 */
export type QueueName = 'inbound' | 'outbound';
export const QUEUE_NAMES: readonly QueueName[] = ['inbound', 'outbound'];

export type JobState = 'ready' | 'leased' | 'dead' | 'hold';

export interface SpoolRecipient {
  address: string;
  /** DSN parameters (RFC 3461), kept for the relay role. */
  notify?: string[];
  orcpt?: string;
}

export interface SpoolPayload {
  queueId: string;
  blobKey: string;
  size: number;
  /** Envelope sender; '' is the null sender (bounces). */
  mailFrom: string;
  recipients: SpoolRecipient[];
  receivedAt: string;
  client?: { address: string; helo?: string };
  authenticatedAs?: string;
  dsn?: { ret?: 'FULL' | 'HDRS'; envid?: string };
  /** Recipients already handled by earlier attempts (progress survives retries). */
  done?: string[];
  /** Outbound (relay) retry progress: see core/spool/retry-schedule.ts DeferralState. */
  relay?: { attempts: number; nextAttemptAt?: string; delayWarned?: boolean; lastError?: string };
  /** Accounts whose Sieve redirected this copy to a local target, in order (loop protection). */
  redirectedBy?: string[];
  /** Mailing-list work run by the delivery role (core/lists): set on jobs with no recipients. */
  list?: ListSpoolTask;
  /** Released from hold (core/spool/held-mail.ts): the relay sends it despite a hold setting. */
  released?: boolean;
}

/**
 * A post's fan-out (paged through the members by keyset, the cursor saved in the job so a
 * crash resumes where it stopped) or a scheduled digest (one job per list and period: the spool,
 * not a timer on one node, so exactly one node sends each digest).
 */
export type ListSpoolTask =
  | { kind: 'fanout'; listId: string; postBlobKey: string; postSize: number; cursor?: string; sent?: number }
  | { kind: 'digest'; listId: string; period: string };

export interface SpoolJob {
  id: string;
  queue: QueueName;
  payload: SpoolPayload;
  /** Processing attempts so far, counted by us, not by the queue's receive count. */
  attempts: number;
  createdAt: Date;
}

export interface LeasedJob extends SpoolJob {
  /** Proves the lease: an ack or retry with a stale token is ignored. */
  leaseToken: string;
}

export interface JobSummary extends SpoolJob {
  state: JobState;
  visibleAt: Date;
  lastError: string | null;
}

export interface Spool {
  /** Idempotent on job id: enqueueing an id twice keeps one job. Durable before it resolves. */
  enqueue(
    queue: QueueName,
    id: string,
    payload: SpoolPayload,
    options?: { delaySeconds?: number },
  ): Promise<void>;
  receive(
    queue: QueueName,
    options: { max: number; leaseSeconds: number; owner: string },
  ): Promise<LeasedJob[]>;
  ack(job: LeasedJob): Promise<void>;
  /** Acks several jobs in one request (SQS DeleteMessageBatch; one statement in SQL). */
  ackMany(jobs: LeasedJob[]): Promise<void>;
  /** Enqueues several jobs in one request; idempotent on ids like enqueue. */
  enqueueMany(
    queue: QueueName,
    jobs: { id: string; payload: SpoolPayload; delaySeconds?: number }[],
  ): Promise<void>;
  /** Releases the lease and makes the job visible again after `delaySeconds`, with attempts + 1. */
  retryLater(job: LeasedJob, delaySeconds: number, error: string, payload?: SpoolPayload): Promise<void>;
  deadLetter(job: LeasedJob, error: string, payload?: SpoolPayload): Promise<void>;
  extendLease(job: LeasedJob, seconds: number): Promise<void>;
  /** Makes every job leased by `owner` visible again (that node restarted or was declared dead). */
  releaseLeases(owner: string): Promise<number>;

  // Operator view.
  list(filter?: { queue?: QueueName; state?: JobState; limit?: number }): Promise<JobSummary[]>;
  get(id: string): Promise<JobSummary | null>;
  /** Makes a waiting or dead job ready now. */
  retryNow(id: string): Promise<boolean>;
  remove(id: string): Promise<JobSummary | null>;
  depth(queue: QueueName): Promise<{ ready: number; leased: number; dead: number; oldestAgeSeconds: number }>;
}
