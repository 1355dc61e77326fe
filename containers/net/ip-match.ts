import { isIPv4 } from 'node:net';

/** One implementation of network lists for the whole code base (the policy's, in core). */
export { NetworkList } from '../../core/security/network-list';

/** Normalises ::ffff:1.2.3.4 to 1.2.3.4 so IPv4 rules match dual-stack sockets. */
export function normaliseIp(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}
