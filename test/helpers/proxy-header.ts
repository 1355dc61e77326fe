/** A PROXY protocol v2 header (TCP over IPv4) as a load balancer sends it before the client's bytes. */
import { V2_SIGNATURE } from '../../containers/net/proxy-protocol';

export function proxyV2Header(sourceIp: string, sourcePort: number, destinationPort: number): Buffer {
  const header = Buffer.alloc(28);
  V2_SIGNATURE.copy(header);
  header[12] = 0x21; // v2, PROXY
  header[13] = 0x11; // TCP over IPv4
  header.writeUInt16BE(12, 14);
  Buffer.from(sourceIp.split('.').map(Number)).copy(header, 16);
  Buffer.from([127, 0, 0, 1]).copy(header, 20);
  header.writeUInt16BE(sourcePort, 24);
  header.writeUInt16BE(destinationPort, 26);
  return header;
}
