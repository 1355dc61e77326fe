import type { Resolution } from './types';

/** Seconds a lookup is reused unless the node configures otherwise (smtp.recipientCacheSeconds). */
export const DEFAULT_RECIPIENT_CACHE_SECONDS = 5;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: Promise<T>;
  expiresAt: number;
}

/**
 * Short-lived answers for the SMTP RCPT path (MX and submission): where an address goes, and
 * whether a domain is hosted here. Under load the same few recipients and domains are asked for
 * many times a second; a few seconds of reuse takes those statements off the database.
 *
 * Only positive answers are kept (a resolved address, a hosted domain): a user or domain added on
 * any node is accepted at once. A change made through this process's Directory clears everything;
 * a change made elsewhere (another node, another process) is seen after at most `ttlSeconds`, during
 * which a removed or disabled user may still be accepted at RCPT. Delivery resolves afresh and
 * bounces such mail as before. Concurrent lookups of one key share one query.
 */
export class RecipientCache {
  private readonly resolutions = new Map<string, Entry<Resolution>>();
  private readonly domains = new Map<string, Entry<boolean>>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  resolve(address: string, lookup: () => Promise<Resolution>): Promise<Resolution> {
    return this.cached(this.resolutions, address.toLowerCase(), lookup, (r) => r.kind === 'resolved');
  }

  isLocalDomain(name: string, lookup: () => Promise<boolean>): Promise<boolean> {
    return this.cached(this.domains, name.toLowerCase(), lookup, (hosted) => hosted);
  }

  /** Forgets every answer (the directory changed in this process). */
  clear(): void {
    this.resolutions.clear();
    this.domains.clear();
  }

  get size(): number {
    return this.resolutions.size + this.domains.size;
  }

  private cached<T>(
    map: Map<string, Entry<T>>,
    key: string,
    lookup: () => Promise<T>,
    keep: (value: T) => boolean,
  ): Promise<T> {
    if (!this.enabled) return lookup();
    const now = this.now();
    const hit = map.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) map.delete(key);
    const value = lookup();
    const entry: Entry<T> = { value, expiresAt: now + this.ttlSeconds * 1000 };
    map.set(key, entry);
    if (map.size > this.maxEntries) map.delete(map.keys().next().value as string);
    // clear() drops the entry, so a lookup that began before a change never lands in the new map.
    const forget = () => {
      if (map.get(key) === entry) map.delete(key);
    };
    value.then((result) => {
      if (!keep(result)) forget();
    }, forget);
    return value;
  }
}
