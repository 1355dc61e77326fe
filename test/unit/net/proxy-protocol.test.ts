import { parseProxyHeader, V2_SIGNATURE } from '../../../containers/net/proxy-protocol';

function v2(command: number, family: number, block: Buffer, trailing = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(16);
  V2_SIGNATURE.copy(header);
  header[12] = 0x20 | command;
  header[13] = family;
  header.writeUInt16BE(block.length, 14);
  return Buffer.concat([header, block, trailing]);
}

describe('PROXY protocol parsing', () => {
  it('reads a v2 TCP/IPv4 header and reports its length', () => {
    const block = Buffer.from([203, 0, 113, 7, 10, 0, 0, 1, 0xc3, 0x50, 0, 25]);
    const parsed = parseProxyHeader(v2(1, 0x11, block, Buffer.from('EHLO x\r\n')));
    expect(parsed).toEqual({
      status: 'ok',
      length: 28,
      info: {
        source: { address: '203.0.113.7', port: 50000 },
        destination: { address: '10.0.0.1', port: 25 },
      },
    });
  });

  it('reads a v2 TCP/IPv6 header with TLVs after the addresses', () => {
    const src = Buffer.from('20010db8000000000000000000000001', 'hex');
    const dst = Buffer.from('20010db8000000000000000000000002', 'hex');
    const ports = Buffer.from([0x30, 0x39, 0x00, 0x8f]);
    const tlv = Buffer.from([0x04, 0x00, 0x01, 0x00]); // PP2_TYPE_NOOP
    const parsed = parseProxyHeader(v2(1, 0x21, Buffer.concat([src, dst, ports, tlv])));
    expect(parsed.status === 'ok' && parsed.info.source).toEqual({ address: '2001:db8::1', port: 12345 });
    expect(parsed.status === 'ok' && parsed.length).toBe(16 + 36 + 4);
  });

  it('treats v2 LOCAL (health checks) as "use the socket address"', () => {
    expect(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)))).toEqual({
      status: 'ok',
      length: 16,
      info: { source: null, destination: null },
    });
  });

  it('reads v1 headers', () => {
    const parsed = parseProxyHeader(
      Buffer.from('PROXY TCP4 198.51.100.2 10.0.0.1 40000 143\r\nA1 CAPABILITY\r\n'),
    );
    expect(parsed.status === 'ok' && parsed.info.source).toEqual({ address: '198.51.100.2', port: 40000 });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toMatchObject({ status: 'ok', length: 15 });
  });

  it('asks for more bytes on a partial header', () => {
    expect(parseProxyHeader(V2_SIGNATURE.subarray(0, 8))).toEqual({ status: 'incomplete' });
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4'))).toEqual({ status: 'incomplete' });
  });

  it.each([
    ['plain protocol data', Buffer.from('EHLO client\r\n')],
    [
      'a corrupted signature',
      Buffer.concat([
        Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0b]),
        Buffer.alloc(4),
      ]),
    ],
    ['version 1 in a v2 header', Buffer.concat([V2_SIGNATURE, Buffer.from([0x11, 0x11, 0, 0])])],
    ['a v1 family mismatch', Buffer.from('PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n')],
    ['a v1 bad port', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n')],
    ['an over-long v1 line', Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`)],
  ])('rejects %s', (_name, data) => {
    expect(parseProxyHeader(data).status).toBe('invalid');
  });
});
