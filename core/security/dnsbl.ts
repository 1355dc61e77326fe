import { isIPv4, isIPv6 } from '../util/ip';
import type { Resolver } from '../ports/resolver';
import { expandIPv6 } from './greylist';

export interface DnsblHit {
  zone: string;
  /** The A records returned (127.0.0.x return codes). */
  codes: string[];
}

/**
 * DNS block-list lookups (RFC 5782): 192.0.2.99 in zone Z is listed if 99.2.0.192.Z has an A
 * record in 127.0.0.0/8. Lookups go through the Resolver port, so tests answer from an override.
 * A failing zone (timeout, SERVFAIL) counts as "not listed": a block list outage must not stop mail.
 */
export async function checkDnsbl(
  resolver: Resolver,
  ip: string,
  zones: readonly string[],
): Promise<DnsblHit[]> {
  const reversed = reverseIp(ip);
  if (!reversed || zones.length === 0) return [];
  const results = await Promise.all(
    zones.map(async (zone): Promise<DnsblHit | null> => {
      try {
        const codes = (await resolver.addresses(`${reversed}.${zone}`)).filter(
          (a) => isIPv4(a) && a.startsWith('127.'),
        );
        // 127.255.255.x are the lists' own error codes (query refused, over quota): not a listing.
        const listed = codes.filter((a) => !a.startsWith('127.255.255.'));
        return listed.length > 0 ? { zone, codes: listed } : null;
      } catch {
        return null; // NXDOMAIN: not listed; a failing list counts as not listed too
      }
    }),
  );
  return results.filter((r): r is DnsblHit => r !== null);
}

/** 192.0.2.99 → 99.2.0.192; IPv6 → 32 reversed nibbles. */
export function reverseIp(ip: string): string | null {
  if (isIPv4(ip)) return ip.split('.').reverse().join('.');
  if (isIPv6(ip)) {
    return expandIPv6(ip)
      .map((g) => g.padStart(4, '0'))
      .join('')
      .split('')
      .reverse()
      .join('.');
  }
  return null;
}
