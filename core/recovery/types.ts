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
  /** No healthy target is left behind a service's load balancer: the service is down. */
  | 'no-healthy-targets'
  /** A database alarm (capacity, CPU, connections): automation holds back, humans decide. */
  | 'database'
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
      /**
       * Raise the service's Application Auto Scaling minimum to `minCapacity` (the autoscaler then
       * adds the tasks): recovery never sets a desired count that the autoscaler would undo.
       */
      readonly kind: 'scale-out';
      readonly service: string;
      readonly fromCount: number;
      readonly minCapacity: number;
      readonly reason: string;
    }
  | {
      /** Give the autoscaler its configured minimum back; its own policies then scale in. */
      readonly kind: 'scale-in';
      readonly service: string;
      readonly minCapacity: number;
      readonly reason: string;
    }
  | {
      /** Replace every task of a service by a fresh deployment (ECS forceNewDeployment). */
      readonly kind: 'redeploy-service';
      readonly service: string;
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
  /** A deployment (rollout or circuit-breaker rollback) is under way. */
  readonly deploying?: boolean;
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
  /**
   * A heartbeat-missing event never resolves (a replaced task does not come back): it is acted on
   * for this long, so that a deferred replacement (queue consumer, queue not yet aging) can follow.
   */
  readonly heartbeatMaxAgeMs: number;
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
