import net from 'node:net';
import pino from 'pino';
import { RelayFailure } from '../../../core/relay/reply-classification';
import { SmtpClientPool } from '../../../containers/workers/relay-smtp-client';

/**
 * The outbound client against peers that fail before a session exists: a closed port and a peer
 * that hangs up before its greeting. Each must end in a temporary RelayFailure (the next MX is
 * tried, the mail is retried), never a promise that stays pending and stalls the relay.
 */
const pool = new SmtpClientPool(
  {
    heloName: 'relay.test',
    idleMs: 1000,
    maxMessagesPerConnection: 10,
    connectionTimeoutMs: 5000,
    socketTimeoutMs: 5000,
  },
  pino({ level: 'silent' }),
);
const message = {
  mailFrom: 'a@nimbus.test',
  recipients: [{ address: 'b@remote.test' }],
  body: Buffer.from('x\r\n'),
};

afterAll(() => pool.close());

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a refused connection is a temporary failure', async () => {
  const port = await closedPort();
  const sent = pool.send({ host: 'mx.remote.test', address: '127.0.0.1', port, priority: 10 }, message);
  await expect(sent).rejects.toBeInstanceOf(RelayFailure);
  await expect(sent).rejects.toMatchObject({ permanent: false, code: 451 });
});

test('a peer that hangs up before its greeting is a temporary failure', async () => {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const sent = pool.send({ host: 'mx.remote.test', address: '127.0.0.1', port, priority: 10 }, message);
    await expect(sent).rejects.toBeInstanceOf(RelayFailure);
    await expect(sent).rejects.toMatchObject({ permanent: false });
  } finally {
    server.close();
  }
});
