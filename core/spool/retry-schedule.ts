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
