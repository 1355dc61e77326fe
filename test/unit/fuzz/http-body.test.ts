import net from 'node:net';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { readBody } from '../../../containers/http/body-reader';
import { HttpServer } from '../../../containers/http/http-server';

/**
 * The HTTP body reader (issue #11): however a body ends — complete, cut short, reset, over the
 * limit — the reader settles with the right result and never rejects; and the node's HTTP
 * listener, fed hostile bytes over real sockets, ends only that request and keeps serving.
 */
const SEED = 7230;

type Ending = 'end' | 'error' | 'destroy';

/** A request-like stream: the chunks one per tick, then the ending. */
function source(chunks: Uint8Array[], ending: Ending): Readable {
  const stream = new Readable({ read() {} });
  let i = 0;
  const step = () => {
    if (stream.destroyed) return;
    if (i < chunks.length) {
      stream.push(Buffer.from(chunks[i++]));
      return void setImmediate(step);
    }
    if (ending === 'end') stream.push(null);
    else if (ending === 'error') stream.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    else stream.destroy();
  };
  setImmediate(step);
  return stream;
}

describe('readBody properties', () => {
  it('settles with the body, too-large, or aborted, exactly as the input dictates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 500 }),
        fc.constantFrom<Ending>('end', 'error', 'destroy'),
        async (chunks, limit, ending) => {
          const result = await readBody(source(chunks, ending), limit);
          // The model: sizes so far, chunk by chunk; the first prefix over the limit decides.
          let size = 0;
          let over = false;
          for (const chunk of chunks) {
            size += chunk.length;
            if (size > limit) {
              over = true;
              break;
            }
          }
          if (over) expect(result).toEqual({ ok: false, reason: 'too-large' });
          else if (ending === 'end') expect(result).toEqual({ ok: true, body: Buffer.concat(chunks) });
          else expect(result).toMatchObject({ ok: false, reason: 'aborted' });
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('a late error after the body was read does not escape', async () => {
    const stream = source([Buffer.from('abc')], 'end');
    const result = await readBody(stream, 10);
    expect(result).toEqual({ ok: true, body: Buffer.from('abc') });
    // No 'error' listener of the caller's: without the reader's own this would be an uncaught exception.
    stream.emit('error', new Error('late'));
  });
});

/** How a generated hostile request is framed. */
type Framing =
  | { kind: 'length'; declared: number; sent: number }
  | { kind: 'chunked'; sizes: string[]; sent: number }
  | { kind: 'garbage'; bytes: Uint8Array };

const framing: fc.Arbitrary<Framing> = fc.oneof(
  fc.record({
    kind: fc.constant('length' as const),
    declared: fc.integer({ min: 0, max: 3000 }),
    sent: fc.integer({ min: 0, max: 3000 }),
  }),
  fc.record({
    kind: fc.constant('chunked' as const),
    // Chunk sizes: valid hex, overflowing hex, or junk.
    sizes: fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 600 }).map((n) => n.toString(16)),
        fc.constantFrom('FFFFFFFFFFFFFFFFFFFFFFFF', '10000000000000000', '-1', 'zz', '', '5;ext=1'),
      ),
      { maxLength: 4 },
    ),
    sent: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
);

function requestBytes(target: string, f: Framing): Buffer {
  if (f.kind === 'garbage') return Buffer.from(f.bytes);
  if (f.kind === 'length')
    return Buffer.concat([
      Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: ${f.declared}\r\n\r\n`),
      Buffer.alloc(f.sent, 0x61),
    ]);
  const data = (size: string) => 'b'.repeat(Math.max(0, Math.min(parseInt(size, 16) || 0, 600)));
  const body = f.sizes.map((size) => `${size}\r\n${data(size)}\r\n`).join('');
  return Buffer.from(
    `POST ${target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`.slice(0, 80 + f.sent),
  );
}

describe('HttpServer with hostile bytes over real sockets', () => {
  let server: HttpServer;
  let port: number;
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);

  beforeAll(async () => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    server = new HttpServer(pino({ level: 'silent' }), 1000);
    server.route('GET', '/ping', async () => ({ status: 200, body: '{"pong":true}' }));
    server.route('POST', '/route', async (_req, body) => ({
      status: 200,
      body: JSON.stringify({ n: body.length }),
    }));
    server.mount(
      async (request) => ({ status: 200, body: JSON.stringify({ n: request.body.length }) }),
      2000,
    );
    port = await server.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await server.close();
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  });

  it('every request ends on its own; a normal request is served after each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/route', '/web/anything', '/ping'),
        framing,
        fc.constantFrom('fin', 'rst', 'rst-after-a-turn'),
        async (target, f, how) => {
          const bytes = requestBytes(target, f);
          const socket = net.connect(port, '127.0.0.1');
          socket.on('error', () => undefined);
          socket.resume(); // read what the server says, so that its FIN is seen
          await new Promise((resolve) => socket.once('connect', resolve));
          const closed = new Promise((resolve) => socket.once('close', resolve));
          socket.write(bytes);
          if (how === 'fin') socket.end();
          else if (how === 'rst') socket.resetAndDestroy();
          else {
            // Give the server a turn to dispatch the request first (not a timing assertion: either order is valid).
            await new Promise((resolve) => setTimeout(resolve, 2));
            socket.resetAndDestroy();
          }
          await closed;
          const res = await fetch(`http://127.0.0.1:${port}/ping`);
          expect(res.status).toBe(200);
          expect(escaped).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});
