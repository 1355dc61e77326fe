import { createHmac, randomBytes } from 'node:crypto';

/** Default lifetime of a remembered verification (seconds); the setting is `auth.cacheSeconds`. */
export const DEFAULT_AUTH_CACHE_SECONDS = 120;

/**
 * Logins that passed the password hash check, remembered for a while (as Dovecot's auth cache),
 * so clients that log in every few seconds do not cost a scrypt each time.
 *
 * An entry is HMAC(process-random key, address, password, stored hash): the password itself is
 * never kept, and the digest is useless outside this process (no offline guessing from a memory
 * dump without the key, which is never written anywhere). The stored hash is part of the key, so
 * a changed password misses at once. Only successes are remembered; callers still read the
 * account row (disabled accounts) and apply throttling on every attempt. Bounded: the oldest
 * entries go first. `ttlSeconds` 0 disables the cache.
 */
export class VerifiedCredentials {
  private readonly key = randomBytes(32);
  /** digest → expiry (ms), in insertion order (a re-verified entry moves to the end). */
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlSeconds = DEFAULT_AUTH_CACHE_SECONDS,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True if this (address, password, stored hash) was verified within the TTL. */
  has(address: string, password: string, storedHash: string): boolean {
    if (this.ttlSeconds <= 0) return false;
    const digest = this.digest(address, password, storedHash);
    const expires = this.entries.get(digest);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.entries.delete(digest);
    return false;
  }

  /** Remembers a successful verification. */
  remember(address: string, password: string, storedHash: string): void {
    if (this.ttlSeconds <= 0) return;
    const digest = this.digest(address, password, storedHash);
    this.entries.delete(digest);
    this.entries.set(digest, this.now() + this.ttlSeconds * 1000);
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** Forgets everything (an administrator's password reset can call this to be explicit). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private digest(address: string, password: string, storedHash: string): string {
    // Lengths first, so no two different triples can produce the same input.
    return createHmac('sha256', this.key)
      .update(`${address.length}:${password.length}:${storedHash.length}:`)
      .update(address)
      .update(password)
      .update(storedHash)
      .digest('base64');
  }
}
