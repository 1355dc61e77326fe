import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A set of networks ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7") for friendly-host checks. */
export class NetworkList {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    this.empty = cidrs.length === 0;
    for (const entry of cidrs) {
      const [address, prefix] = entry.split('/');
      const type = isIPv6(address) ? 'ipv6' : 'ipv4';
      if (type === 'ipv4' && !isIPv4(address)) throw new Error(`invalid network "${entry}"`);
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  contains(ip: string): boolean {
    if (this.empty) return false;
    // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d.
    const address = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    if (isIPv4(address)) return this.list.check(address, 'ipv4');
    if (isIPv6(address)) return this.list.check(address, 'ipv6');
    return false;
  }
}
