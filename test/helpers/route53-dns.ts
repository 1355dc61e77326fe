/**
 * A tiny authoritative DNS server (UDP, loopback) that answers TXT queries from the records of a
 * Route 53 hosted zone in moto, which serves no DNS itself. With it pebble validates DNS-01
 * against exactly what the Route 53 adapter wrote. TXT only; every other query gets an empty
 * NOERROR answer.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { Route53Api } from '../../core/adapters/aws/route53-api';

export interface DnsBridge {
  address: string;
  /** Names asked for, in order (lower case, with the final dot). */
  queries: string[];
  close(): Promise<void>;
}

function readName(packet: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (packet[at] !== 0) {
    const length = packet[at];
    labels.push(packet.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  return { name: `${labels.join('.')}.`.toLowerCase(), end: at + 1 };
}

/** TXT values as Route 53 shows them (`"a" "b"`) → the character-strings of one record. */
function characterStrings(value: string): Buffer[] {
  const parts = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
  return parts.map((part) => {
    const bytes = Buffer.from(part, 'latin1');
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
}

export async function startRoute53Dns(api: Route53Api, zoneId: string): Promise<DnsBridge> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (query, peer) => {
    void (async () => {
      const { name, end } = readName(query, 12);
      const type = query.readUInt16BE(end);
      queries.push(name);
      const question = query.subarray(12, end + 4);
      const answers: Buffer[] = [];
      if (type === 16) {
        const set = await api.listTxt(zoneId, name).catch(() => undefined);
        for (const value of set?.values ?? []) {
          const rdata = Buffer.concat(characterStrings(value));
          const head = Buffer.alloc(12);
          head.writeUInt16BE(0xc00c, 0); // name: pointer to the question's
          head.writeUInt16BE(16, 2); // TXT
          head.writeUInt16BE(1, 4); // IN
          head.writeUInt32BE(set!.ttl, 6);
          head.writeUInt16BE(rdata.length, 10);
          answers.push(head, rdata);
        }
      }
      const header = Buffer.alloc(12);
      query.copy(header, 0, 0, 2); // id
      header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100), 2); // QR, AA, copy RD
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(answers.length / 2, 6);
      socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
    })().catch(() => undefined); // a query arriving while closing
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
