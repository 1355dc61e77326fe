/**
 * Token-bucket rate limiting per key (client IP, authenticated user): a bucket holds at most
 * `limit` tokens and refills at `limit` per `windowSeconds`, so bursts up to the limit pass and the
 * long-run rate is capped. Kept in memory per node: in a cluster of N nodes behind a load
 * balancer the effective limit per key is up to N × limit.
 */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until one token is available again (when refused). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updated: number;
  limit: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 200_000,
  ) {}

  /** Takes one token from `key`'s bucket; `limit` 0 means unlimited. */
  take(key: string, limit: number, windowSeconds: number): RateDecision {
    if (limit <= 0) return { allowed: true, retryAfterSeconds: 0 };
    const now = this.now();
    const perMs = limit / (windowSeconds * 1000);
    const bucket = this.buckets.get(key) ?? { tokens: limit, updated: now, limit };
    // An operator who raises the limit expects relief now: the extra capacity is available at once.
    if (limit > bucket.limit) bucket.tokens += limit - bucket.limit;
    bucket.limit = limit;
    bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.updated) * perMs);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      if (this.buckets.size > this.maxKeys) this.prune(now, windowSeconds);
      return { allowed: true, retryAfterSeconds: 0 };
    }
    this.buckets.set(key, bucket);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  /** Drops buckets that have refilled completely (they behave like absent ones). */
  private prune(now: number, windowSeconds: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updated > windowSeconds * 1000) this.buckets.delete(key);
    }
  }
}
