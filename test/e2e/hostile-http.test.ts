import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANY_PORTS_ARGS, ANY_PORTS_ENV, NodeProcess } from '../helpers/node-process';
import { RawClient, adminCommand, expectAlive, type HangUp } from '../helpers/hostile-client';

/**
 * Hostile HTTP clients against a real node process (issue #11): truncated and reset requests,
 * chunk sizes that overflow, bad request targets, oversized and deeply nested JSON. Each case
 * ends with the same two checks: the process is still running, and a normal client is served.
 * A crash shows as the child process exiting, which is what used to happen on the first case.
 */
const USER = 'victim@hostile.test';
const PASSWORD = 'Hostile-Client-Passphrase-2026';
const basic = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

let dataDir: string;
let node: NodeProcess;
let http: number;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-hostile-http-'));
  node = new NodeProcess(dataDir, [...ANY_PORTS_ARGS, '--roles', 'web'], ANY_PORTS_ENV);
  http = (await node.start()).http;
  await adminCommand(dataDir, http, { op: 'domain.add', name: 'hostile.test' });
  await adminCommand(dataDir, http, { op: 'user.add', address: USER, password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await node?.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

/** The node survived the last case and still answers a normal client. */
async function expectServed(): Promise<void> {
  expectAlive(node);
  const health = await fetch(`http://127.0.0.1:${http}/healthz`);
  expect(health.status).toBe(200);
  const echo = await jmap({
    using: ['urn:ietf:params:jmap:core'],
    methodCalls: [['Core/echo', { a: [1] }, 'c']],
  });
  expect(echo.status).toBe(200);
  expect(((await echo.json()) as { methodResponses: unknown[] }).methodResponses).toEqual([
    ['Core/echo', { a: [1] }, 'c'],
  ]);
}

function jmap(body: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${http}/jmap/api`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * Sends the head with `Expect: 100-continue` and waits for the 100, so the server has certainly
 * dispatched the request (and is reading its body) before the client misbehaves: an RST cannot
 * overtake bytes the server never saw.
 */
async function startRequest(method: string, target: string, headers: string[]): Promise<RawClient> {
  const client = await RawClient.connect(http);
  await client.write(
    [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Expect: 100-continue', ...headers, '', ''].join(
      '\r\n',
    ),
  );
  await client.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
  return client;
}

const HANG_UPS: HangUp[] = ['fin', 'rst'];
const TARGETS: [string, string][] = [
  ['GET', '/healthz'],
  ['POST', '/jmap/api'],
  ['POST', '/no/such/path'],
  ['POST', '/internal/admin'],
];

describe('truncated bodies (Content-Length: 50, 3 bytes sent)', () => {
  for (const how of HANG_UPS)
    for (const [method, target] of TARGETS)
      it(`${method} ${target}, then ${how.toUpperCase()}`, async () => {
        const client = await startRequest(method, target, ['Content-Length: 50', `Authorization: ${basic}`]);
        await client.write('abc');
        client.hangUp(how);
        await client.waitClosed();
        await expectServed();
      });

  it('without waiting for 100-continue (headers and 3 bytes in one write, then RST)', async () => {
    for (let i = 0; i < 20; i++) {
      const client = await RawClient.connect(http);
      await client.write('POST /jmap/api HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc');
      client.hangUp(i % 2 ? 'rst' : 'fin');
      await client.waitClosed();
    }
    await expectServed();
  });
});

describe('chunked bodies', () => {
  for (const how of HANG_UPS) {
    it(`a chunk size that overflows, then ${how.toUpperCase()}`, async () => {
      const client = await startRequest('POST', '/jmap/api', ['Transfer-Encoding: chunked']);
      await client.write('FFFFFFFFFFFFFFFFFFFFFFFF\r\nabc');
      // The server refuses the framing (400) or just closes; either way this request is over.
      if (how === 'fin') client.hangUp('fin');
      else client.hangUp('rst');
      await client.waitClosed();
      await expectServed();
    });

    it(`a chunk cut short, then ${how.toUpperCase()}`, async () => {
      const client = await startRequest('POST', '/healthz', ['Transfer-Encoding: chunked']);
      await client.write('20\r\nonly a few bytes');
      client.hangUp(how);
      await client.waitClosed();
      await expectServed();
    });
  }

  it('an overflowing chunk size answered while the client stays: 400 and close', async () => {
    const client = await startRequest('POST', '/no/such/path', ['Transfer-Encoding: chunked']);
    await client.write('FFFFFFFFFFFFFFFFFFFFFFFF\r\n');
    await client.waitClosed();
    expect(client.text).toMatch(/HTTP\/1\.1 400 Bad Request/);
    await expectServed();
  });
});

describe('broken requests', () => {
  it('headers cut short, FIN and RST', async () => {
    for (const how of HANG_UPS) {
      const client = await RawClient.connect(http);
      await client.write('POST /jmap/api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le');
      client.hangUp(how);
      await client.waitClosed();
    }
    await expectServed();
  });

  it('a request target that is no URL is a 400, and the connection serves the next request', async () => {
    const client = await RawClient.connect(http);
    await client.write(
      'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    await client.waitFor(/^HTTP\/1\.1 400[\s\S]*HTTP\/1\.1 200/);
    client.hangUp('fin');
    await expectServed();
  });

  it('malformed percent-escapes in the path or a cookie: a 400 or a 401, never a 500', async () => {
    const download = await fetch(`http://127.0.0.1:${http}/jmap/download/%E0/blob/name`, {
      headers: { authorization: basic },
    });
    expect(download.status).toBe(400);
    const session = await fetch(`http://127.0.0.1:${http}/webmail/api/session`, {
      headers: { cookie: 'junk=%E0%A4%A' },
    });
    expect(session.status).toBe(401);
    await expectServed();
  });

  it('garbage instead of HTTP: 400', async () => {
    const client = await RawClient.connect(http);
    await client.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n');
    await client.waitClosed();
    expect(client.text).toMatch(/^HTTP\/1\.1 400/);
    await expectServed();
  });

  it('a body over the limit: 413, and the server closes instead of reading the rest', async () => {
    const client = await startRequest('GET', '/healthz', ['Content-Length: 100000000']);
    // Just past the 1 MiB route limit: the server has read all we sent when it answers, so it
    // closes with a FIN (unread bytes would make the kernel send an RST that can overtake the 413).
    await client.write(Buffer.alloc(1024 * 1024 + 1, 0x61));
    await client.waitClosed();
    expect(client.text).toMatch(/HTTP\/1\.1 413/);
    expect(client.text).toMatch(/connection: close/i);
    await expectServed();
  });

  it('an RST while the request is being handled, and while an EventSource stream is open', async () => {
    const api = await RawClient.connect(http);
    const body = JSON.stringify({
      using: ['urn:ietf:params:jmap:core'],
      methodCalls: [['Core/echo', {}, 'c']],
    });
    await api.write(
      `POST /jmap/api HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    api.hangUp('rst');
    const events = await RawClient.connect(http);
    await events.write(
      `GET /jmap/eventsource?types=*&ping=1 HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic}\r\n\r\n`,
    );
    await events.waitFor(/^HTTP\/1\.1 200/);
    events.hangUp('rst');
    await expectServed();
  });
});

describe('deeply nested JSON (5,000 levels)', () => {
  it('JMAP Core/echo: 400 notRequest, not a stack overflow', async () => {
    const res = await jmap(
      `{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"x":${deep(5000)}},"c"]]}`,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'urn:ietf:params:jmap:error:notRequest', status: 400 });
    await expectServed();
  });

  it('JMAP within the depth limit is served as before', async () => {
    const value = JSON.parse(deep(40)) as unknown;
    const res = await jmap({
      using: ['urn:ietf:params:jmap:core'],
      methodCalls: [['Core/echo', { value }, 'c']],
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { methodResponses: unknown[] }).methodResponses).toEqual([
      ['Core/echo', { value }, 'c'],
    ]);
  });

  it('JMAP over maxSizeRequest: 400 limit naming the limit', async () => {
    const res = await jmap(`{"using":[],"methodCalls":[],"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'urn:ietf:params:jmap:error:limit',
      limit: 'maxSizeRequest',
    });
  });

  it('admin API login, webmail login and the node admin endpoint: 400', async () => {
    const post = (target: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${http}${target}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const nested = `{"name":"x","password":${deep(5000)}}`;
    for (const target of ['/api/admin/login', '/webmail/api/login']) {
      const res = await post(target, nested);
      expect({ target, status: res.status }).toEqual({ target, status: 400 });
    }
    const { token } = JSON.parse(
      (await import('node:fs')).readFileSync(path.join(dataDir, 'node.json'), 'utf8'),
    ) as { token: string };
    const internal = await post('/internal/admin', `{"op":"domain.list","x":${deep(5000)}}`, {
      authorization: `Bearer ${token}`,
    });
    expect(internal.status).toBe(400);
    expect(((await internal.json()) as { error: string }).error).toMatch(/nested deeper than 64/);
    await expectServed();
  });
});
