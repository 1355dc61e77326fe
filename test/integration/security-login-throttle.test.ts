import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

/**
 * The login throttle over real sockets (IMAP, POP3, SMTP submission over implicit TLS; webmail
 * and admin API over HTTP) against one node. Each test connects from its own loopback address
 * (127.0.0.x: Linux routes the whole /8 to lo), standing for one NAT or load balancer that many
 * customers share.
 */
let node: TestNode;
const PASSWORD = 'Glacier-Maple-74';
const ADMIN_PASSWORD = 'Quartz-Ferry-Lodge-31';

beforeAll(async () => {
  node = await startTestNode({
    roles: 'mx,submission,imap,pop3,delivery,web',
    'smtp.pregreetMs': 0,
    'authThrottle.maxFailures': 3,
    'authThrottle.windowSeconds': 600,
    // Delays long enough that no probe below outlasts one, even on a loaded machine.
    'authThrottle.baseDelaySeconds': 4,
    'authThrottle.maxDelaySeconds': 64,
    'authThrottle.addressMaxFailures': 12,
  });
  await node.admin({ op: 'domain.add', name: 'nat.test' });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin'])
    await node.admin({ op: 'user.add', address: `${user}@nat.test`, password: PASSWORD });
  await node.admin({ op: 'admin.add', name: 'root', password: ADMIN_PASSWORD });
});

afterAll(async () => {
  await node.destroy();
});

/** A line-oriented client over implicit TLS (the node's self-signed certificate). */
class LineClient {
  private buffer = '';
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: tls.TLSSocket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    socket.on('close', () => this.wake?.());
  }

  static async open(port: number, from: string, greeting: RegExp): Promise<LineClient> {
    // TCP from the chosen source address, then TLS over it (tls.connect has no localAddress).
    const tcp = net.connect({ host: '127.0.0.1', port, localAddress: from });
    const socket = tls.connect({ socket: tcp, servername: 'localhost', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const client = new LineClient(socket);
    await client.read(greeting);
    return client;
  }

  async read(until: RegExp): Promise<string> {
    while (!until.test(this.buffer)) {
      if (this.socket.destroyed) throw new Error(`connection closed; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const text = this.buffer;
    this.buffer = '';
    return text;
  }

  async send(line: string, until: RegExp): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.read(until);
  }

  close(): void {
    this.socket.destroy();
  }
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

/** One IMAP LOGIN; the tagged reply line. */
async function imapLogin(from: string, user: string, password: string): Promise<string> {
  const c = await LineClient.open(node.ports.imaps!, from, /^\* OK.*\r\n/m);
  try {
    const reply = await c.send(`a1 LOGIN "${user}" "${password}"`, /^a1 .*\r\n/m);
    return /^a1 .*$/m.exec(reply)![0];
  } finally {
    c.close();
  }
}

/** USER/PASS on POP3; the reply to PASS. */
async function pop3Login(from: string, user: string, password: string): Promise<string> {
  const c = await LineClient.open(node.ports.pop3s!, from, /^\+OK.*\r\n/);
  try {
    await c.send(`USER ${user}`, /\r\n$/);
    return (await c.send(`PASS ${password}`, /\r\n$/)).trim();
  } finally {
    c.close();
  }
}

/** AUTH PLAIN on submission (implicit TLS); the reply to AUTH. */
async function smtpAuth(from: string, user: string, password: string): Promise<string> {
  const c = await LineClient.open(node.ports.submissions!, from, /^220 .*\r\n/m);
  try {
    await c.send('EHLO client.test', /^250 .*\r\n/m);
    return (await c.send(`AUTH PLAIN ${plain(user, password)}`, /^\d{3} .*\r\n/m)).trim();
  } finally {
    c.close();
  }
}

/** POST JSON to the node's HTTP port from `from`; status and parsed body. */
function post(
  from: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: { error?: string } }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: node.ports.http,
        localAddress: from,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
const webmailLogin = (from: string, username: string, password: string) =>
  post(from, '/webmail/api/login', { username, password });
const adminLogin = (from: string, name: string, password: string) =>
  post(from, '/api/admin/login', { name, password });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("one account's failures delay that account on every protocol, not the other customers behind the address", async () => {
  const nat = '127.0.0.11';
  for (let i = 0; i < 3; i++)
    expect(await imapLogin(nat, 'alice@nat.test', 'wrong')).toMatch(/NO \[AUTHENTICATIONFAILED\]/);
  // alice, even with her right password, on every mail protocol and the webmail:
  expect(await imapLogin(nat, 'alice@nat.test', PASSWORD)).toMatch(
    /^a1 NO \[UNAVAILABLE\] Too many authentication failures, try again in [1-4] s/,
  );
  expect(await pop3Login(nat, 'alice@nat.test', PASSWORD)).toMatch(/^-ERR \[SYS\/TEMP\] Too many/);
  expect(await smtpAuth(nat, 'alice@nat.test', PASSWORD)).toMatch(/^454 4\.7\.0 Too many/);
  expect((await webmailLogin(nat, 'alice@nat.test', PASSWORD)).status).toBe(429);
  // bob shares the address and logs in everywhere:
  expect(await imapLogin(nat, 'bob@nat.test', PASSWORD)).toMatch(/^a1 OK/);
  expect(await pop3Login(nat, 'bob@nat.test', PASSWORD)).toMatch(/^\+OK/);
  expect(await smtpAuth(nat, 'bob@nat.test', PASSWORD)).toMatch(/^235 /);
  expect((await webmailLogin(nat, 'bob@nat.test', PASSWORD)).status).toBe(200);
  // alice from another address is not delayed either.
  expect(await imapLogin('127.0.0.12', 'alice@nat.test', PASSWORD)).toMatch(/^a1 OK/);
});

it('backs off: a failure after the delay doubles it', async () => {
  const from = '127.0.0.21';
  const delay = async () => {
    const reply = await imapLogin(from, 'carol@nat.test', PASSWORD);
    expect(reply).toMatch(/^a1 NO \[UNAVAILABLE\]/);
    return Number(/try again in (\d+) s/.exec(reply)![1]);
  };
  for (let i = 0; i < 3; i++) await pop3Login(from, 'carol@nat.test', 'wrong');
  // Read as whole seconds left, so a slow machine may see less than the full delay, never more.
  const first = await delay();
  expect(first).toBeLessThanOrEqual(4);
  await sleep(first * 1000 + 100); // waits as told, then guesses again
  expect(await smtpAuth(from, 'carol@nat.test', 'wrong')).toMatch(/^535 /);
  const second = await delay();
  expect(second).toBeGreaterThan(4);
  expect(second).toBeLessThanOrEqual(8);
});

it("keeps the admin API's failures apart: a locked-out admin address still reaches IMAP and the webmail", async () => {
  const from = '127.0.0.31';
  for (let i = 0; i < 12; i++) expect((await adminLogin(from, `admin${i}`, 'guess')).status).toBe(401);
  const refused = await adminLogin(from, 'root', ADMIN_PASSWORD);
  expect(refused.status).toBe(429);
  expect(refused.json.error).toMatch(/try again in \d+ s/);
  expect(await imapLogin(from, 'dave@nat.test', PASSWORD)).toMatch(/^a1 OK/);
  expect((await webmailLogin(from, 'dave@nat.test', PASSWORD)).status).toBe(200);
  // The admin API from another address is unaffected.
  expect((await adminLogin('127.0.0.32', 'root', ADMIN_PASSWORD)).status).toBe(201);
});

it('stops password spraying: one failure each on many accounts trips the per-address ceiling', async () => {
  const from = '127.0.0.41';
  const logins = [imapLogin, pop3Login, smtpAuth];
  for (let i = 0; i < 12; i++) {
    const reply = await logins[i % 3](from, `target${i}@nat.test`, 'Summer2026!');
    expect(reply).toMatch(/AUTHENTICATIONFAILED|^-ERR \[AUTH\]|^535 /);
  }
  // Now every account from that address waits, even erin with her right password…
  expect(await imapLogin(from, 'erin@nat.test', PASSWORD)).toMatch(
    /^a1 NO \[UNAVAILABLE\] .*try again in \d+ s/,
  );
  expect(await smtpAuth(from, 'erin@nat.test', PASSWORD)).toMatch(/^454 /);
  expect((await webmailLogin(from, 'erin@nat.test', PASSWORD)).status).toBe(429);
  // …but not from elsewhere.
  expect(await imapLogin('127.0.0.42', 'erin@nat.test', PASSWORD)).toMatch(/^a1 OK/);
});
