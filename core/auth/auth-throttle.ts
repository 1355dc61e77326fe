import { ipToBigInt } from '../util/ip';

/**
 * Slows down password guessing without letting one client lock others out.
 *
 * Failures are counted per (client address, account): after `maxFailures` within `windowSeconds`
 * that pair is refused for a delay that doubles with each further failure (`baseDelaySeconds`,
 * 2×, 4× … capped at `maxDelaySeconds`). Other accounts from the same address (customers behind
 * one NAT, a carrier-grade NAT, a load balancer without PROXY protocol) and the same account from
 * other addresses are not affected. A much higher per-address ceiling (`addressMaxFailures` within
 * the window, any accounts) stops password spraying: over it, the address is refused until its
 * oldest counted failure leaves the window. IPv6 clients count per /64 for the ceiling (one
 * subscriber line usually holds a whole /64), and IPv4-mapped addresses as their IPv4 address.
 *
 * State is in memory, per node (and per Lambda instance): a cluster of N nodes allows N times the
 * attempts. The mail protocols (SMTP AUTH, IMAP, POP3, webmail, JMAP, DAV) share one realm; the
 * admin API has its own (`admin`), so a failed admin login never locks a mailbox user out.
 */
export interface AuthThrottleOptions {
  /** Failures per (address, account) within the window before each attempt is delayed. */
  maxFailures: number;
  /** How long a failure counts. */
  windowSeconds: number;
  /** The first delay after `maxFailures`; it doubles with every further failure. */
  baseDelaySeconds: number;
  /** The longest delay. */
  maxDelaySeconds: number;
  /** Failures per address within the window, whatever the accounts: the anti-spraying ceiling. */
  addressMaxFailures: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  maxFailures: 5,
  windowSeconds: 900,
  baseDelaySeconds: 15,
  maxDelaySeconds: 900,
  addressMaxFailures: 100,
};

/** Entries kept per table before the expired ones are pruned (bounds memory under attack). */
const PRUNE_AT = 100_000;

interface PairState {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

/** One realm's counters. */
export class FailureThrottle {
  private readonly pairs = new Map<string, PairState>();
  private readonly addresses = new Map<string, number[]>();

  constructor(
    protected readonly options: AuthThrottleOptions,
    protected readonly now: () => number,
    private readonly onFailure: () => void,
  ) {}

  /** Seconds until `account` may try again from `address` (0: now). */
  retryAfter(address: string, account: string): number {
    const now = this.now();
    const pair = this.pairs.get(pairKey(address, account));
    const pairWait = pair && pair.blockedUntil > now ? pair.blockedUntil - now : 0;
    return Math.ceil(Math.max(pairWait, this.addressWait(address, now)) / 1000);
  }

  /** Seconds until anyone may try again from `address` (the per-address ceiling only; 0: now). */
  addressRetryAfter(address: string): number {
    return Math.ceil(this.addressWait(address, this.now()) / 1000);
  }

  isLocked(address: string, account: string): boolean {
    return this.retryAfter(address, account) > 0;
  }

  recordFailure(address: string, account: string): void {
    this.onFailure();
    const now = this.now();
    const window = this.options.windowSeconds * 1000;
    const key = pairKey(address, account);
    const previous = this.pairs.get(key);
    const pair =
      previous && now - previous.lastFailure < window
        ? previous
        : { failures: 0, lastFailure: 0, blockedUntil: 0 };
    pair.failures++;
    pair.lastFailure = now;
    if (pair.failures >= this.options.maxFailures) {
      const doublings = Math.min(30, pair.failures - this.options.maxFailures);
      const delay = Math.min(this.options.maxDelaySeconds, this.options.baseDelaySeconds * 2 ** doublings);
      pair.blockedUntil = now + delay * 1000;
    }
    this.pairs.delete(key); // re-inserted last: the Map's order is the pruning order
    this.pairs.set(key, pair);
    const net = networkOf(address);
    const times = (this.addresses.get(net) ?? []).filter((t) => now - t < window);
    times.push(now);
    // Only the newest `addressMaxFailures` matter for the ceiling.
    this.addresses.delete(net);
    this.addresses.set(net, times.slice(-this.options.addressMaxFailures));
    if (this.pairs.size > PRUNE_AT || this.addresses.size > PRUNE_AT) this.prune(now);
  }

  /** A correct password clears that pair's failures (not the address's: an attacker with one account must not reset the ceiling). */
  recordSuccess(address: string, account: string): void {
    this.pairs.delete(pairKey(address, account));
  }

  private addressWait(address: string, now: number): number {
    const times = this.addresses.get(networkOf(address));
    if (!times || times.length < this.options.addressMaxFailures) return 0;
    const window = this.options.windowSeconds * 1000;
    return Math.max(0, times[times.length - this.options.addressMaxFailures] + window - now);
  }

  private prune(now: number): void {
    const window = this.options.windowSeconds * 1000;
    for (const [key, pair] of this.pairs) {
      if (now - pair.lastFailure >= window && pair.blockedUntil <= now) this.pairs.delete(key);
    }
    for (const [address, times] of this.addresses) {
      if (now - times[times.length - 1] >= window) this.addresses.delete(address);
    }
    // Still too many live entries (an attack from very many addresses): forget the oldest.
    for (const table of [this.pairs, this.addresses] as Map<string, unknown>[]) {
      for (const key of table.keys()) {
        if (table.size <= PRUNE_AT) break;
        table.delete(key);
      }
    }
  }
}

/** The unit of the per-address ceiling: an IPv4 address, or an IPv6 /64. */
function networkOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const ip = ipToBigInt(address);
  if (!ip || ip.bits === 32) return address;
  return `${(ip.value >> 64n).toString(16)}::/64`;
}

function pairKey(address: string, account: string): string {
  return `${address}\0${account.trim().toLowerCase()}`;
}

/** The mail protocols' throttle, with the admin API's separate realm as `admin`. */
export class AuthThrottle extends FailureThrottle {
  readonly admin: FailureThrottle;

  constructor(
    /** `lockoutSeconds`: the former fixed lockout, read as `maxDelaySeconds` (old config files). */
    options: Partial<AuthThrottleOptions> & { lockoutSeconds?: number } = {},
    now: () => number = Date.now,
    /** Told about every failure, either realm (the auth_failures metric). */
    onFailure: () => void = () => undefined,
  ) {
    const { lockoutSeconds, ...rest } = options;
    const merged = { ...DEFAULT_AUTH_THROTTLE, ...rest };
    if (lockoutSeconds !== undefined && rest.maxDelaySeconds === undefined)
      merged.maxDelaySeconds = lockoutSeconds;
    super(merged, now, onFailure);
    this.admin = new FailureThrottle(merged, now, onFailure);
  }

  private loginHook?: (address: string, account: string) => void;

  /** Told about every successful login to the mail protocols and the webmail (not the admin realm). */
  onLogin(hook: (address: string, account: string) => void): void {
    this.loginHook = hook;
  }

  override recordSuccess(address: string, account: string): void {
    super.recordSuccess(address, account);
    this.loginHook?.(address, account);
  }
}

/** The text clients see when refused: says when to come back, never whether the account exists. */
export function throttledMessage(seconds: number): string {
  return `Too many authentication failures, try again in ${seconds} s`;
}
