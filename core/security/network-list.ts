import { ipToBigInt, isIPv4, isIPv6 } from '../util/ip';

interface Network {
  bits: 32 | 128;
  base: bigint;
  mask: bigint;
}

/** A set of networks ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7") for friendly-host checks. */
export class NetworkList {
  private readonly networks: Network[] = [];

  constructor(cidrs: readonly string[]) {
    for (const entry of cidrs) {
      const [address, prefixText] = entry.split('/');
      const ip = ipToBigInt(address);
      const prefix = prefixText === undefined ? ip?.bits : Number(prefixText);
      if (!ip || prefix === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > ip.bits) {
        throw new Error(`invalid network "${entry}"`);
      }
      const all = (1n << BigInt(ip.bits)) - 1n;
      const mask = prefix === 0 ? 0n : (all >> BigInt(ip.bits - prefix)) << BigInt(ip.bits - prefix);
      this.networks.push({ bits: ip.bits, base: ip.value & mask, mask });
    }
  }

  contains(ip: string): boolean {
    if (this.networks.length === 0) return false;
    // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d.
    const address = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    if (!isIPv4(address) && !isIPv6(address)) return false;
    const parsed = ipToBigInt(address);
    if (!parsed) return false;
    return this.networks.some((n) => n.bits === parsed.bits && (parsed.value & n.mask) === n.base);
  }
}
