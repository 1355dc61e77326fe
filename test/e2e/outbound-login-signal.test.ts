/**
 * The "logins from many networks" signal is fed by every protocol's successful logins, not only
 * submission's: IMAP logins arriving through a trusted PROXY v2 load balancer (127.0.0.2) from
 * three /16 networks in an hour hold the account when the limit is two.
 */
import net from 'node:net';
import { proxyV2Header } from '../helpers/proxy-header';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';

const USER = 'lou@signal.test';
const PW = 'login signal password';
let node: TestNode;

/** An IMAP LOGIN from `ip` (through the proxy); resolves with the tagged answer. */
function imapLogin(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: node.ports.imap!, host: '127.0.0.1', localAddress: '127.0.0.2' });
    let output = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(proxyV2Header(ip, 40000, 143)));
    socket.on('data', (text: string) => {
      output += text;
      if (!sent && /^\* OK/m.test(output)) {
        sent = true;
        socket.write(`a1 LOGIN ${USER} "${PW}"\r\n`);
      }
      const done = /^a1 (OK|NO|BAD)[^\r\n]*/m.exec(output);
      if (done) {
        socket.end('a2 LOGOUT\r\n');
        resolve(done[0]);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(`closed: ${output}`));
  });
}

beforeAll(async () => {
  node = await startTestNode({
    'proxyProtocol.trustedNetworks': ['127.0.0.2'],
    'imap.allowInsecureAuth': true,
    'outbound.signals.loginNetworksPerHour': 2,
  });
  await node.admin({ op: 'domain.add', name: 'signal.test' });
  await node.admin({ op: 'user.add', address: USER, password: PW });
}, 120_000);
afterAll(async () => node?.destroy());

const held = async () =>
  ((await node.admin({ op: 'outbound.holds' })) as { account: string; reason: string }[]).find(
    (h) => h.account === USER,
  );

test('IMAP logins from a third network in the hour hold the account', async () => {
  expect(await imapLogin('198.51.1.10')).toMatch(/^a1 OK/);
  expect(await imapLogin('198.52.1.10')).toMatch(/^a1 OK/);
  expect(await held()).toBeUndefined();
  expect(await imapLogin('198.53.1.10')).toMatch(/^a1 OK/);
  const hold = await eventually(held);
  expect(hold.reason).toMatch(/logins from 3 networks/);
});
