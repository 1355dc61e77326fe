/**
 * The NLB's view of a node (docs/deploy.md, "Health checks, one per listener"): /healthz/<listener>
 * answers 200 only after a self-connect probe of that listener greets, the HTTP port takes an
 * optional PROXY v2 header from the trusted load balancer (here: connections from 127.0.0.2) and
 * refuses one from anyone else, and a listener whose accept loop is gone is reported.
 */
import net from 'node:net';
import { encodeProxyV2, parseProxyHeader } from '../../containers/net/proxy-protocol';
import { cachedProbe, probeListener } from '../../containers/node/listener-probe';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

let node: TestNode;

beforeAll(async () => {
  node = await startTestNode({ 'proxyProtocol.trustedNetworks': ['127.0.0.2'] });
});

afterAll(async () => {
  await node.destroy();
});

/** A raw HTTP GET from `localAddress`, after `header` if given; resolves with the status (0: none). */
function get(path: string, localAddress: string, header?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: node.ports.http, host: '127.0.0.1', localAddress }, () => {
      if (header) socket.write(header);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

it('answers each listener’s health check from the load balancer with or without a PROXY v2 header', async () => {
  for (const id of ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'managesieve']) {
    expect({ id, status: await get(`/healthz/${id}`, '127.0.0.2', encodeProxyV2()) }).toEqual({
      id,
      status: 200,
    });
  }
  expect(await get('/healthz/imap', '127.0.0.2', encodeProxyV2({ address: '10.0.3.4', port: 4000 }))).toBe(
    200,
  );
  // The ALB's checks come from the same VPC without a header.
  expect(await get('/healthz', '127.0.0.2')).toBe(200);
  expect(await get('/healthz/unknown', '127.0.0.2', encodeProxyV2())).toBe(404);
});

it('does not take a PROXY header from an untrusted address', async () => {
  expect(await get('/healthz', '127.0.0.1', encodeProxyV2())).toBe(400);
  expect(await get('/healthz', '127.0.0.1')).toBe(200);
});

it('encodes PROXY v2 headers the parser reads back', () => {
  expect(parseProxyHeader(encodeProxyV2())).toMatchObject({ status: 'ok', info: { source: null } });
  expect(parseProxyHeader(encodeProxyV2({ address: '203.0.113.9', port: 40001 }))).toMatchObject({
    status: 'ok',
    info: { source: { address: '203.0.113.9', port: 40001 } },
  });
  expect(
    parseProxyHeader(
      encodeProxyV2({ address: '2001:db8::7', port: 5 }, { address: '2001:db8::1', port: 25 }),
    ),
  ).toMatchObject({ status: 'ok', info: { source: { address: '2001:db8::7', port: 5 } } });
});

it('fails the probe of a listener that accepts but never greets, or is gone', async () => {
  // Accepts connections (the kernel does) but the "accept loop" never answers: a hung listener.
  const hung = net.createServer(() => undefined);
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const port = (hung.address() as net.AddressInfo).port;
  const options = { host: '127.0.0.1', proxyNetworks: [], timeoutMs: 300 };
  await expect(probeListener('smtp', port, options)).rejects.toThrow(/no greeting/);
  await new Promise((resolve) => hung.close(resolve));
  await expect(probeListener('imap', port, options)).rejects.toThrow(/ECONNREFUSED/);
  await expect(probeListener('pop3', node.ports.pop3!, options)).resolves.toBeUndefined();
  // A probe that answers something else is no greeting either.
  const wrong = net.createServer((socket) => socket.end('* OK not smtp\r\n'));
  await new Promise<void>((resolve) => wrong.listen(0, '127.0.0.1', resolve));
  const wrongPort = (wrong.address() as net.AddressInfo).port;
  await expect(probeListener('smtp', wrongPort, options)).rejects.toThrow(/unexpected greeting/);
  await new Promise((resolve) => wrong.close(resolve));
});

it('shares one probe among the health checks that arrive together', async () => {
  let runs = 0;
  const probe = cachedProbe(async () => void runs++, 60_000);
  await Promise.all([probe(), probe(), probe()]);
  expect(runs).toBe(1);
});
