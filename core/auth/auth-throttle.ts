/**
 * Counts authentication failures per client address; after `maxFailures` within `windowSeconds`
 * the address is locked out for `lockoutSeconds`. Shared by SMTP AUTH, POP3 and IMAP.
 */
export interface AuthThrottleOptions {
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  maxFailures: 5,
  windowSeconds: 300,
  lockoutSeconds: 300,
};

export class AuthThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();

  constructor(
    private readonly options: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
    private readonly now: () => number = Date.now,
    /** Told about every failure (the auth_failures metric). */
    private readonly onFailure: () => void = () => undefined,
  ) {}

  isLocked(address: string): boolean {
    const until = this.lockedUntil.get(address);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.lockedUntil.delete(address);
    return false;
  }

  recordFailure(address: string): void {
    this.onFailure();
    const now = this.now();
    const windowStart = now - this.options.windowSeconds * 1000;
    const recent = (this.failures.get(address) ?? []).filter((t) => t > windowStart);
    recent.push(now);
    this.failures.set(address, recent);
    if (recent.length >= this.options.maxFailures) {
      this.lockedUntil.set(address, now + this.options.lockoutSeconds * 1000);
      this.failures.delete(address);
    }
    if (this.failures.size > 100_000) this.prune(windowStart);
  }

  recordSuccess(address: string): void {
    this.failures.delete(address);
  }

  private prune(windowStart: number): void {
    for (const [address, times] of this.failures) {
      if (times[times.length - 1] <= windowStart) this.failures.delete(address);
    }
  }
}
