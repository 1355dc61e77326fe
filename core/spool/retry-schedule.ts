/**
 * Retry delays in seconds. Every step is at most 12 h and any longer wait can be made of several
 * ≤15 min hops, so the same schedule works on SQS (max delay 15 min, max visibility 12 h).
 */
export interface RetryPolicy {
  /** Delay before attempt n+1 is delays[min(n, len-1)]. */
  delays: number[];
  /** Give up (bounce) after this long since the message was received. */
  lifetimeSeconds: number;
}

export const INBOUND_RETRY: RetryPolicy = {
  delays: [30, 60, 300, 600, 1800, 3600, 7200, 14400],
  lifetimeSeconds: 5 * 24 * 3600,
};

export const OUTBOUND_RETRY: RetryPolicy = {
  delays: [300, 600, 1800, 3600, 7200, 14400],
  lifetimeSeconds: 5 * 24 * 3600,
};

export function nextDelay(policy: RetryPolicy, attempts: number): number {
  return policy.delays[Math.min(Math.max(attempts, 0), policy.delays.length - 1)];
}

export function isExpired(policy: RetryPolicy, receivedAt: Date, now = new Date()): boolean {
  return now.getTime() - receivedAt.getTime() > policy.lifetimeSeconds * 1000;
}

/** Parses "5m,10m,30m,1h" into seconds. */
export function parseSchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(part);
    if (!match) throw new Error(`invalid retry delay "${part}" (use e.g. 5m, 1h)`);
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
    const seconds = Number(match[1]) * unit;
    if (seconds > 12 * 3600) throw new Error(`retry delay "${part}" exceeds 12h (the SQS visibility limit)`);
    return seconds;
  });
}

/** SQS caps a message delay at 15 minutes: a longer wait is made of several hops of at most this. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** Default outbound schedule as text (the `relay.retrySchedule` setting). */
export const DEFAULT_OUTBOUND_SCHEDULE = '5m,10m,30m,1h,2h,4h';

/** Parses one duration ("4h", "5d", "90s", "30" = seconds) into seconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  if (!match) throw new Error(`invalid duration "${text}" (use e.g. 30m, 4h, 5d)`);
  return Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/**
 * Relay progress kept in the job payload (so it survives retries, node loss and SQS redelivery):
 * our own attempt count (queue receive counts include the waiting hops), when the next real
 * attempt is due, and whether the delay warning went out.
 */
export interface DeferralState {
  attempts: number;
  /** ISO time of the next delivery attempt; before it, a receive only schedules another hop. */
  nextAttemptAt?: string;
  delayWarned?: boolean;
  lastError?: string;
}

/** How long to wait in the queue now to reach `until`: never more than one hop. */
export function hopDelay(until: Date, now = new Date(), maxHop = MAX_QUEUE_DELAY_SECONDS): number {
  const remaining = Math.ceil((until.getTime() - now.getTime()) / 1000);
  return Math.max(0, Math.min(remaining, maxHop));
}

/** After a failed attempt: the next state and the first hop to wait. */
export function deferAfterFailure(
  policy: RetryPolicy,
  state: DeferralState,
  error: string,
  now = new Date(),
  maxHop = MAX_QUEUE_DELAY_SECONDS,
): { state: DeferralState; delaySeconds: number } {
  const wait = nextDelay(policy, state.attempts);
  const next: DeferralState = {
    ...state,
    attempts: state.attempts + 1,
    nextAttemptAt: new Date(now.getTime() + wait * 1000).toISOString(),
    lastError: error,
  };
  return { state: next, delaySeconds: Math.min(wait, maxHop) };
}

/** True when a delay warning is due: the message has waited `afterSeconds` (0 turns warnings off). */
export function delayWarningDue(
  state: DeferralState,
  receivedAt: Date,
  afterSeconds: number,
  now = new Date(),
): boolean {
  if (afterSeconds <= 0 || state.delayWarned) return false;
  return now.getTime() - receivedAt.getTime() >= afterSeconds * 1000;
}
