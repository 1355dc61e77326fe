/**
 * The recovery decision module's vocabulary. Pure data: no AWS SDK, no I/O. The recovery Lambda
 * (functions/recovery) turns CloudWatch alarm state changes and cluster events into `Signal`s,
 * asks `decide()` what to do, performs the actions and records them.
 */

export type SignalKind =
  /** A load-balancer target (one task) fails its health checks. */
  | 'target-unhealthy'
  /** A node stopped writing its heartbeat (reported by a peer that noticed). */
  | 'heartbeat-missing'
  /** The oldest message of a spool queue is older than its threshold. */
  | 'queue-age-high'
  /** A dead-letter queue holds messages. */
  | 'dlq-not-empty'
  /** The error rate of a role or function is above its threshold. */
  | 'error-rate-spike'
  /** Any other alarm: recorded, left to humans (who already receive the alarm itself). */
  | 'alarm';

export interface Signal {
  readonly kind: SignalKind;
  /** `firing` while the condition holds, `resolved` once it stopped holding. */
  readonly state: 'firing' | 'resolved';
  /** When the state was entered (epoch milliseconds). */
  readonly at: number;
  /** Identity of the condition (alarm name, or event kind + subject); the latest state per source wins. */
  readonly source: string;
  readonly service?: string;
  readonly role?: string;
  readonly taskId?: string;
  readonly nodeId?: string;
  /** Spool queue name (`inbound`, `outbound`) — for dlq-not-empty, the queue the DLQ belongs to. */
  readonly queue?: string;
  readonly value?: number;
  readonly message?: string;
}

export type Action =
  | {
      readonly kind: 'replace-task';
      readonly service: string;
      readonly taskId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'scale-out' | 'scale-in';
      readonly service: string;
      readonly fromCount: number;
      readonly desiredCount: number;
      readonly reason: string;
    }
  | {
      /** Mark the node dead so peers release its leases (IMAP session locks, queue claims). */
      readonly kind: 'mark-node-dead';
      readonly nodeId: string;
      readonly reason: string;
    }
  | { readonly kind: 'redrive-dead-letters'; readonly queue: string; readonly reason: string }
  | {
      readonly kind: 'page-human';
      readonly severity: 'critical' | 'warning' | 'info';
      readonly subject: string;
      readonly message: string;
      /** Pages with the same key are sent once per cooldown. */
      readonly dedupeKey: string;
    };

export type ActionKind = Action['kind'];

export interface ActionRecord {
  readonly key: string;
  readonly action: Action;
  readonly at: number;
}

export interface ServiceState {
  readonly name: string;
  readonly roles: readonly string[];
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly minCount: number;
  readonly maxCount: number;
}

export interface RecoveryPolicy {
  /** An action with the same key is not repeated within its kind's cooldown. */
  readonly cooldownMs: Readonly<Record<ActionKind, number>>;
  /** At most this many disruptive actions (everything but pages) per window; the rest → one page. */
  readonly maxDisruptiveActions: number;
  readonly windowMs: number;
  /** Tasks added per scale-out. */
  readonly scaleStep: number;
  /** More than this fraction of a service's tasks unhealthy at once is systemic: page, do not replace. */
  readonly maxUnhealthyFraction: number;
  /** This many replacements in a service within `replacementLoopMs` means replacing does not help. */
  readonly replacementLoopCount: number;
  readonly replacementLoopMs: number;
  /** A cause must have stayed resolved this long before dead letters are redriven. */
  readonly redriveQuietMs: number;
  /** Signals older than this are ignored (stale state from a lost resolve event). */
  readonly signalMaxAgeMs: number;
}

export interface RecoveryInput {
  readonly now: number;
  /** Signals that arrived with this invocation (may be empty: a periodic re-evaluation). */
  readonly signals: readonly Signal[];
  /** Earlier signals, any order; the latest state per `source` is the current one. */
  readonly signalHistory: readonly Signal[];
  /** Actions performed earlier (for cooldowns, rate limits and idempotency). */
  readonly actionHistory: readonly ActionRecord[];
  readonly services: readonly ServiceState[];
  /** Spool queue → consuming role (inbound → delivery, outbound → mta). */
  readonly queueConsumers: Readonly<Record<string, string>>;
  readonly policy?: Partial<RecoveryPolicy>;
}

export interface Decision {
  /** Actions to perform now, in order, each with its idempotency key (record it once performed). */
  readonly actions: readonly ActionRecord[];
  /** Candidate actions not taken, and why (for the log). */
  readonly skipped: readonly { readonly key: string; readonly action: Action; readonly reason: string }[];
}
