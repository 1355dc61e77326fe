/** What a spool job looks like on SQS (the message body), and the SQS limits the adapter works within. */
import type { QueueName, SpoolPayload } from '../../ports/spool';

/** SQS limits. */
export const MAX_DELAY_SECONDS = 900;
export const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_BATCH = 10;
/** Keep under the 256 KiB message limit (the 1 MiB limit is not everywhere yet, nor in emulators). */
export const MAX_INLINE_BYTES = 200 * 1024;

/** What the SQS message body holds. */
export interface SqsEnvelope {
  v: 1;
  id: string;
  queue: QueueName;
  attempts: number;
  createdAt: string;
  /** A delay longer than SQS allows: not to be processed before this instant (hops). */
  notBefore?: string;
  lastError?: string;
  deadAt?: string;
  payload?: SpoolPayload;
  /** Claim check for an oversized envelope: key in the spool area of the bucket. */
  payloadRef?: string;
}

/** Receive counts after which SQS moves an unanswered message to the DLQ (as in data-stack.ts). */
export const REDRIVE: Record<QueueName, { maxReceiveCount: number; visibilitySeconds: number }> = {
  inbound: { maxReceiveCount: 8, visibilitySeconds: 300 },
  outbound: { maxReceiveCount: 30, visibilitySeconds: 900 },
};
