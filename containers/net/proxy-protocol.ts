import { isIPv4 } from 'node:net';
import type { Socket } from 'node:net';

/**
 * The PROXY protocol (HAProxy spec, v1 text and v2 binary — the AWS NLB sends v2), so the real
 * client address reaches Received: headers, rate limits and logs. Parsing is separate from reading.
 */
export const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

export interface ProxyInfo {
  /** null for v2 LOCAL (the proxy's own health check) and v1 UNKNOWN: use the socket's address. */
  source: { address: string; port: number } | null;
  destination: { address: string; port: number } | null;
}

export type ProxyParse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  | { status: 'ok'; info: ProxyInfo; length: number };

export function parseProxyHeader(data: Buffer): ProxyParse {
  if (data.length >= 1 && data[0] === 0x0d) return parseV2(data);
  if (data.length >= 1 && data[0] === 0x50) return parseV1(data);
  return { status: 'invalid', reason: 'no PROXY header' };
}

function parseV2(data: Buffer): ProxyParse {
  const have = Math.min(data.length, V2_SIGNATURE.length);
  if (!data.subarray(0, have).equals(V2_SIGNATURE.subarray(0, have))) {
    return { status: 'invalid', reason: 'bad v2 signature' };
  }
  if (data.length < 16) return { status: 'incomplete' };
  const version = data[12] >> 4;
  const command = data[12] & 0x0f;
  if (version !== 2 || command > 1) return { status: 'invalid', reason: 'unsupported v2 version/command' };
  const length = data.readUInt16BE(14);
  if (data.length < 16 + length) return { status: 'incomplete' };
  const total = 16 + length;
  const block = data.subarray(16, total);
  if (command === 0) return { status: 'ok', info: { source: null, destination: null }, length: total };
  const family = data[13] >> 4;
  const transport = data[13] & 0x0f;
  if (transport !== 1 && family !== 0) return { status: 'invalid', reason: 'only TCP is supported' };
  if (family === 1) {
    if (block.length < 12) return { status: 'invalid', reason: 'short IPv4 address block' };
    return {
      status: 'ok',
      length: total,
      info: {
        source: { address: [...block.subarray(0, 4)].join('.'), port: block.readUInt16BE(8) },
        destination: { address: [...block.subarray(4, 8)].join('.'), port: block.readUInt16BE(10) },
      },
    };
  }
  if (family === 2) {
    if (block.length < 36) return { status: 'invalid', reason: 'short IPv6 address block' };
    return {
      status: 'ok',
      length: total,
      info: {
        source: { address: ipv6(block.subarray(0, 16)), port: block.readUInt16BE(32) },
        destination: { address: ipv6(block.subarray(16, 32)), port: block.readUInt16BE(34) },
      },
    };
  }
  // AF_UNSPEC: the proxy does not know; keep the socket's address.
  return { status: 'ok', info: { source: null, destination: null }, length: total };
}

function parseV1(data: Buffer): ProxyParse {
  const end = data.indexOf('\r\n');
  if (end < 0)
    return data.length > 107 ? { status: 'invalid', reason: 'v1 header too long' } : { status: 'incomplete' };
  const parts = data.subarray(0, end).toString('latin1').split(' ');
  if (parts[0] !== 'PROXY') return { status: 'invalid', reason: 'bad v1 header' };
  if (parts[1] === 'UNKNOWN')
    return { status: 'ok', info: { source: null, destination: null }, length: end + 2 };
  if ((parts[1] !== 'TCP4' && parts[1] !== 'TCP6') || parts.length !== 6) {
    return { status: 'invalid', reason: 'bad v1 header' };
  }
  const [, family, src, dst, sport, dport] = parts;
  if ((family === 'TCP4') !== isIPv4(src)) return { status: 'invalid', reason: 'v1 address family mismatch' };
  const port = (p: string) => (/^\d{1,5}$/.test(p) && Number(p) <= 65535 ? Number(p) : NaN);
  if (Number.isNaN(port(sport)) || Number.isNaN(port(dport)))
    return { status: 'invalid', reason: 'bad v1 port' };
  return {
    status: 'ok',
    length: end + 2,
    info: { source: { address: src, port: port(sport) }, destination: { address: dst, port: port(dport) } },
  };
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  const text = groups.join(':');
  // Compress the longest run of zero groups (RFC 5952) so addresses compare as they print.
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?:$|:)/g)].sort((a, b) => b[0].length - a[0].length);
  if (runs.length === 0) return text;
  const run = runs[0];
  return `${text.slice(0, run.index)}::${text.slice(run.index! + run[0].length)}`;
}

/**
 * Reads a PROXY header from a socket that a trusted proxy opened and resolves with the client's
 * address and the bytes that followed the header (the socket is left paused). Rejects (caller closes the socket) on a missing or bad
 * header or after `timeoutMs`.
 */
export function readProxyHeader(
  socket: Socket,
  timeoutMs = 5000,
): Promise<ProxyInfo & { leftover: Buffer | null }> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('PROXY header timeout')), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseProxyHeader(buffer);
      if (parsed.status === 'incomplete') {
        if (buffer.length > 4096) finish(new Error('PROXY header too long'));
        return;
      }
      if (parsed.status === 'invalid') return finish(new Error(`invalid PROXY header: ${parsed.reason}`));
      // Paused: the protocol session attaches its listeners, gets the leftover bytes, then resumes.
      socket.pause();
      const rest = buffer.subarray(parsed.length);
      finish(null, { ...parsed.info, leftover: rest.length > 0 ? Buffer.from(rest) : null });
    };
    const onClose = () => finish(new Error('closed before PROXY header'));
    function finish(error: Error | null, info?: ProxyInfo & { leftover: Buffer | null }) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(info!);
    }
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/**
 * A PROXY v2 header: LOCAL without `source` (what a load balancer's own health check sends),
 * PROXY over TCP/IPv4 or IPv6 with it. Used by the node's listener self-probe and by tests.
 */
export function encodeProxyV2(
  source?: { address: string; port: number },
  destination: { address: string; port: number } = { address: '127.0.0.1', port: 0 },
): Buffer {
  if (!source) {
    const header = Buffer.alloc(16);
    V2_SIGNATURE.copy(header);
    header[12] = 0x20; // v2, LOCAL
    header[13] = 0x00; // AF_UNSPEC
    return header;
  }
  const v4 = isIPv4(source.address);
  const size = v4 ? 12 : 36;
  const header = Buffer.alloc(16 + size);
  V2_SIGNATURE.copy(header);
  header[12] = 0x21; // v2, PROXY
  header[13] = v4 ? 0x11 : 0x21; // TCP over IPv4 / IPv6
  header.writeUInt16BE(size, 14);
  const addressBytes = v4 ? 4 : 16;
  ipBytes(source.address, v4).copy(header, 16);
  ipBytes(destination.address, v4).copy(header, 16 + addressBytes);
  header.writeUInt16BE(source.port, 16 + 2 * addressBytes);
  header.writeUInt16BE(destination.port, 18 + 2 * addressBytes);
  return header;
}

function ipBytes(address: string, v4: boolean): Buffer {
  if (v4) {
    if (!isIPv4(address)) throw new Error(`not an IPv4 address: ${address}`);
    return Buffer.from(address.split('.').map(Number));
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (text: string) => (text ? text.split(':') : []);
  const before = groups(head);
  const after = groups(tail);
  const all = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  const out = Buffer.alloc(16);
  all.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

/**
 * Whether the first bytes of a connection may be a PROXY header (v2 signature or "PROXY "). For
 * protocols where neither can start a valid request (HTTP), the header can then be optional.
 */
export function mayBeProxyHeader(data: Buffer): boolean {
  const v1 = Buffer.from('PROXY ');
  const prefix = (sig: Buffer) =>
    data.subarray(0, sig.length).equals(sig.subarray(0, Math.min(data.length, sig.length)));
  return data.length > 0 && (prefix(V2_SIGNATURE) || prefix(v1));
}
