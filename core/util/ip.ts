/**
 * IP address parsing and CIDR matching without node:net, so the domain layer stays free of the
 * socket modules (DESIGN.md §2). IPv6 syntax is validated by the WHATWG URL parser.
 */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

export function isIPv6(value: string): boolean {
  if (!value.includes(':') || /[^0-9a-fA-F:.]/.test(value)) return false;
  try {
    new URL(`http://[${value}]/`);
    return true;
  } catch {
    return false;
  }
}

/** The address as a 32- or 128-bit number, or null when it is not an IP address. */
export function ipToBigInt(value: string): { bits: 32 | 128; value: bigint } | null {
  if (isIPv4(value)) {
    return { bits: 32, value: value.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n) };
  }
  if (!isIPv6(value)) return null;
  // The URL parser canonicalises (and converts an embedded IPv4 tail to hex groups).
  const canonical = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  const [head, tail = ''] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = canonical.includes('::') && tail ? tail.split(':') : [];
  const groups = canonical.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return { bits: 128, value: groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n) };
}
