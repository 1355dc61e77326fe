import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Normalises ::ffff:1.2.3.4 to 1.2.3.4 so IPv4 rules match dual-stack sockets. */
export function normaliseIp(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** A set of networks ("127.0.0.0/8", "::1", "10.0.0.0/8") for trusted/relay checks. */
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
    const address = normaliseIp(ip);
    return this.list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  }
}
