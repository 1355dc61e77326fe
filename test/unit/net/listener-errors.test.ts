import net from 'node:net';
import tls from 'node:tls';
import pino from 'pino';
import { HttpServer } from '../../../containers/http/http-server';
import { ClientListener } from '../../../containers/net/client-listener';

/**
 * A listening server's own 'error' (accept failing: EMFILE, ENFILE, ECONNABORTED) is logged and
 * the server keeps accepting. Such failures cannot be provoked reliably here (libuv absorbs
 * EMFILE with a reserve descriptor), so the event is emitted on the server directly: without a
 * listener, Node would throw it as an uncaught exception.
 */
/** A logger whose lines are kept, to see that the error was logged (not swallowed). */
function capturingLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

const acceptError = () => Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' });

describe('listener errors after listen', () => {
  it('HttpServer logs it and serves the next request', async () => {
    const { log, lines } = capturingLogger();
    const server = new HttpServer(log);
    server.route('GET', '/ping', async () => ({ status: 200, body: '{}' }));
    const port = await server.listen(0, '127.0.0.1');
    try {
      const inner = (server as unknown as { server: net.Server }).server;
      expect(() => inner.emit('error', acceptError())).not.toThrow();
      expect(lines.join('')).toMatch(/http listener error/);
      expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('ClientListener logs it and accepts the next connection', async () => {
    const { log, lines } = capturingLogger();
    const listener = new ClientListener(
      {
        implicitTls: false,
        secureContext: () => tls.createSecureContext(),
        proxyNetworks: [],
        log,
      },
      ({ socket }) => socket.end('hello\r\n'),
    );
    const port = await listener.listen(0, '127.0.0.1');
    try {
      expect(() => listener.server.emit('error', acceptError())).not.toThrow();
      expect(lines.join('')).toMatch(/mail listener error/);
      const greeting = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(greeting).toBe('hello\r\n');
    } finally {
      await listener.close();
    }
  });
});

describe('a PROXY header, then a TLS handshake cut short', () => {
  // The PROXY path feeds TLS through a stream (leftover bytes first): its errors need handling too.
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);
  beforeAll(() => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });

  for (const how of ['fin', 'rst'] as const)
    it(`header and half a ClientHello in one packet, then ${how.toUpperCase()}`, async () => {
      const { log } = capturingLogger();
      const accepted: string[] = [];
      const listener = new ClientListener(
        {
          implicitTls: true,
          secureContext: () => tls.createSecureContext(),
          proxyNetworks: ['127.0.0.1/32'],
          log,
        },
        ({ remoteAddress }) => accepted.push(remoteAddress),
      );
      const port = await listener.listen(0, '127.0.0.1');
      try {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.resume();
        await new Promise((resolve) => socket.once('connect', resolve));
        const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03]);
        socket.write(Buffer.concat([Buffer.from('PROXY TCP4 192.0.2.7 127.0.0.1 5555 993\r\n'), hello]));
        const closed = new Promise((resolve) => socket.once('close', resolve));
        if (how === 'fin') socket.end();
        else socket.resetAndDestroy();
        await closed;
        // The listener is still there for the next client (a plain TCP connect suffices).
        await new Promise<void>((resolve, reject) => {
          const next = net.connect(port, '127.0.0.1', () => {
            next.destroy();
            resolve();
          });
          next.on('error', reject);
        });
        expect(accepted).toEqual([]);
        expect(escaped).toEqual([]);
      } finally {
        await listener.close();
      }
    });
});
