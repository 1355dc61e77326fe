import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ClamdClient, parseClamdResponse } from '../../../core/adapters/scanners/clamd-client';
import { parseRspamdResponse, RspamdClient } from '../../../core/adapters/scanners/rspamd-client';
import { parseSpamdResponse, SpamdClient } from '../../../core/adapters/scanners/spamd-client';
import { ScannerError } from '../../../core/ports/content-scanner';
import { deliveryFolder, stripControlHeaders } from '../../../core/security/control-headers';
import { reverseIp } from '../../../core/security/dnsbl';
import { clientNetwork } from '../../../core/security/greylist';
import { RateLimiter } from '../../../core/security/rate-limit';
import { parseSettingValue, SettingError } from '../../../core/security/settings';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/scanners', name), 'utf8');

describe('settings values', () => {
  it('parses and validates every kind', () => {
    expect(parseSettingValue('greylisting', 'on')).toBe(true);
    expect(parseSettingValue('greylisting', 'OFF')).toBe(false);
    expect(parseSettingValue('spam.action', 'Junk')).toBe('junk');
    expect(parseSettingValue('rate.ip.messages', '50')).toBe(50);
    expect(parseSettingValue('relay.networks', '10.0.0.0/8, 192.0.2.7 2001:db8::/32')).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
    ]);
    expect(parseSettingValue('relay.networks', 'none')).toEqual([]);
    expect(parseSettingValue('dnsbl.zones', 'Zen.Example.')).toEqual(['zen.example']);
    for (const [key, value] of [
      ['greylisting', 'maybe'],
      ['spam.action', 'delete'],
      ['rate.ip.messages', '-1'],
      ['relay.networks', '0.0.0.0/0'],
      ['relay.networks', '::/0'],
      ['relay.networks', 'example.com'],
      ['dnsbl.zones', 'not a zone'],
      ['no.such.key', '1'],
    ]) {
      expect(() => parseSettingValue(key, value)).toThrow(SettingError);
    }
  });
});

describe('rate limiter (token bucket)', () => {
  it('allows a burst up to the limit, then refills at limit per window', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 3; i++) expect(limiter.take('ip', 3, 60).allowed).toBe(true);
    const refused = limiter.take('ip', 3, 60);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 20 });
    now += 20_000;
    expect(limiter.take('ip', 3, 60).allowed).toBe(true);
    expect(limiter.take('ip', 3, 60).allowed).toBe(false);
    expect(limiter.take('other', 3, 60).allowed).toBe(true);
    expect(limiter.take('ip', 0, 60).allowed).toBe(true); // 0 = unlimited
    expect(limiter.take('ip', 5, 60).allowed).toBe(true); // a raised limit applies at once
  });
});

describe('addresses', () => {
  it('reverses IPv4 and IPv6 for DNSBL queries, and groups clients for greylisting', () => {
    expect(reverseIp('192.0.2.99')).toBe('99.2.0.192');
    expect(reverseIp('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
    expect(clientNetwork('192.0.2.99')).toBe('192.0.2.0/24');
    expect(clientNetwork('2001:db8:1:2:3::5')).toBe('2001:db8:1:2::/64');
  });
});

describe('control headers', () => {
  it('strips X-Nimbus-* and our Authentication-Results, folded lines included, keeping the rest', () => {
    const message = Buffer.from(
      'Received: from a\r\n\tby b\r\nX-Nimbus-Folder: INBOX\r\nx-nimbus-spam: No,\r\n  folded\r\n' +
        'Authentication-Results: mx.example; dkim=pass\r\nAuthentication-Results: (c) MX.EXAMPLE;\r\n spf=pass\r\n' +
        'Authentication-Results: other.example; spf=pass\r\nSubject: X-Nimbus-Folder: in subject\r\n\r\n' +
        'X-Nimbus-Folder: in the body stays\r\n',
    );
    expect(stripControlHeaders(message, 'mx.example').toString()).toBe(
      'Received: from a\r\n\tby b\r\nAuthentication-Results: other.example; spf=pass\r\n' +
        'Subject: X-Nimbus-Folder: in subject\r\n\r\nX-Nimbus-Folder: in the body stays\r\n',
    );
    expect(deliveryFolder(Buffer.from('X-Nimbus-Folder: Junk\r\nSubject: x\r\n\r\n'))).toBe('Junk');
    expect(deliveryFolder(Buffer.from('X-Nimbus-Folder: ../etc\r\n\r\n'))).toBeNull();
    expect(deliveryFolder(Buffer.from('Subject: x\r\n\r\nX-Nimbus-Folder: Junk\r\n'))).toBeNull();
  });
});

describe('scanner protocols (recorded exchanges)', () => {
  it('reads rspamd /checkv2 answers', () => {
    expect(parseRspamdResponse(fixture('rspamd-gtube.json'))).toEqual({
      spam: true,
      score: 15,
      threshold: 15,
      symbols: ['GTUBE'],
      action: 'reject',
    });
    expect(parseRspamdResponse(fixture('rspamd-ham.json'))).toMatchObject({
      spam: false,
      action: 'no action',
    });
    expect(() => parseRspamdResponse('{"error":"bad request"}')).toThrow(ScannerError);
  });

  it('reads spamd and clamd answers', () => {
    const spamd =
      'SPAMD/1.1 0 EX_OK\r\nContent-length: 26\r\nSpam: True ; 1003.3 / 5.0\r\n\r\nGTUBE,MISSING_DATE,NO_RELAYS';
    expect(parseSpamdResponse(Buffer.from(spamd))).toEqual({
      spam: true,
      score: 1003.3,
      threshold: 5,
      symbols: ['GTUBE', 'MISSING_DATE', 'NO_RELAYS'],
    });
    expect(() => parseSpamdResponse(Buffer.from('SPAMD/1.0 76 Bad header line\r\n\r\n'))).toThrow(/76/);
    expect(parseClamdResponse(Buffer.from('stream: OK\0'))).toEqual({ infected: false, viruses: [] });
    expect(parseClamdResponse(Buffer.from('stream: Eicar-Signature FOUND\0'))).toEqual({
      infected: true,
      viruses: ['Eicar-Signature'],
    });
    expect(() => parseClamdResponse(Buffer.from('INSTREAM size limit exceeded. ERROR\0'))).toThrow(
      ScannerError,
    );
  });

  /** A one-shot TCP peer that records the request and answers like the daemon. */
  async function fakeDaemon(
    answer: (request: Buffer) => Buffer | string,
  ): Promise<{ port: number; request: Promise<Buffer> }> {
    let received!: (b: Buffer) => void;
    const request = new Promise<Buffer>((resolve) => (received = resolve));
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        received(all);
        socket.end(answer(all));
        server.close();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as net.AddressInfo).port, request };
  }

  it('frames requests as spamd and clamd expect them', async () => {
    const message = Buffer.from('Subject: x\r\n\r\n' + 'y'.repeat(70_000) + '\r\n');
    const spamd = await fakeDaemon(() => 'SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.0 / 5.0\r\n\r\n');
    const verdict = await new SpamdClient({ host: '127.0.0.1', port: spamd.port }).checkSpam(message, {
      recipients: ['you@example.test'],
    });
    expect(verdict).toEqual({ spam: false, score: 1, threshold: 5, symbols: [] });
    const spamdRequest = (await spamd.request).toString('latin1');
    expect(spamdRequest).toBe(
      `SYMBOLS SPAMC/1.5\r\nContent-length: ${message.length}\r\nUser: you@example.test\r\n\r\n${message.toString('latin1')}`,
    );

    const clamd = await fakeDaemon(() => 'stream: OK\0');
    expect(await new ClamdClient({ host: '127.0.0.1', port: clamd.port }).checkVirus(message)).toEqual({
      infected: false,
      viruses: [],
    });
    const clamdRequest = await clamd.request;
    expect(clamdRequest.subarray(0, 10).toString()).toBe('zINSTREAM\0');
    // Chunks: [len][bytes]… then a zero length; reassembled they are the message.
    let offset = 10;
    const parts: Buffer[] = [];
    for (;;) {
      const length = clamdRequest.readUInt32BE(offset);
      offset += 4;
      if (length === 0) break;
      parts.push(clamdRequest.subarray(offset, offset + length));
      offset += length;
    }
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(parts).equals(message)).toBe(true);
    expect(offset).toBe(clamdRequest.length);
  });

  it('reports an unreachable rspamd as a ScannerError', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await expect(
      new RspamdClient(`http://127.0.0.1:${port}`, { timeoutMs: 2000 }).checkSpam(Buffer.from('x'), {}),
    ).rejects.toThrow(ScannerError);
  });
});
