/**
 * ManageSieve (RFC 5804) end to end over real sockets: a node running the managesieve role with a
 * real certificate (test CA), STARTTLS, AUTHENTICATE PLAIN, every script command against the real
 * script store and Sieve compiler, quotas, literal limits and account isolation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startTestNode, type TestNode } from '../helpers/in-process-node';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../helpers/test-certificates';

/** A byte-exact ManageSieve client: one response = lines (with {n} literals) up to OK/NO/BYE. */
class SieveClient {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private closed = false;

  private constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  static async open(port: number): Promise<{ client: SieveClient; greeting: string }> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new SieveClient(socket);
    return { client, greeting: await client.response() };
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  /** Length of the first complete response in the buffer, or -1. */
  private complete(): number {
    let pos = 0;
    let lineStart = 0;
    for (;;) {
      const crlf = this.buffer.indexOf('\r\n', pos);
      if (crlf < 0) return -1;
      const line = this.buffer.toString('utf8', pos, crlf);
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) {
        pos = crlf + 2 + Number(literal[1]);
        if (pos > this.buffer.length) return -1;
        continue;
      }
      const logical = this.buffer.toString('utf8', lineStart, crlf);
      pos = crlf + 2;
      lineStart = pos;
      if (/^(OK|NO|BYE)\b/.test(logical)) return pos;
    }
  }

  async response(): Promise<string> {
    for (;;) {
      const end = this.complete();
      if (end >= 0) {
        const text = this.buffer.toString('utf8', 0, end);
        this.buffer = this.buffer.subarray(end);
        return text;
      }
      if (this.closed)
        throw new Error(`connection closed; buffered ${JSON.stringify(this.buffer.toString())}`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(data: string | Buffer): Promise<string> {
    this.write(data);
    return this.response();
  }

  /** One raw line (a SASL challenge). */
  async line(): Promise<string> {
    for (;;) {
      const crlf = this.buffer.indexOf('\r\n');
      if (crlf >= 0) {
        const text = this.buffer.toString('utf8', 0, crlf);
        this.buffer = this.buffer.subarray(crlf + 2);
        return text;
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }

  /** STARTTLS, the handshake (verified against `ca`), then the re-issued capabilities. */
  async startTls(ca: string): Promise<string> {
    expect(await this.command('STARTTLS\r\n')).toMatch(/^OK/);
    return this.upgrade(ca);
  }

  async upgrade(ca: string): Promise<string> {
    expect(this.buffer.length).toBe(0);
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, ca, servername: 'sieve.test.example' });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.listen(secure);
    return this.response();
  }

  async login(user: string, password: string): Promise<string> {
    const plain = Buffer.from(`\0${user}\0${password}`).toString('base64');
    return this.command(`AUTHENTICATE "PLAIN" "${plain}"\r\n`);
  }

  close(): void {
    this.socket.destroy();
  }
}

const literal = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;
const FILTER =
  'require "fileinto";\r\nif header :contains "subject" "offer" {\r\n  fileinto "Junk";\r\n}\r\n';
const BROKEN = 'require "fileinto";\r\nif header :contains "subject" {\r\n  fileinto "Junk";\r\n}\r\n';

let node: TestNode;
let ca: TestCertificate;
let certDir: string;
let port: number;

beforeAll(async () => {
  ca = await makeTestCa();
  const leaf = await makeTestLeaf({ names: ['sieve.test.example'], ca });
  certDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-sieve-tls-'));
  writeFileSync(path.join(certDir, 'cert.pem'), leaf.certPem);
  writeFileSync(path.join(certDir, 'key.pem'), leaf.keyPem);
  node = await startTestNode({
    roles: 'managesieve',
    'tls.certPath': path.join(certDir, 'cert.pem'),
    'tls.keyPath': path.join(certDir, 'key.pem'),
    'sieve.maxScripts': 3,
    'sieve.maxScriptBytes': 2048,
    'managesieve.maxLiteralSize': 8192,
    'authThrottle.maxFailures': 3,
  });
  await node.admin({ op: 'domain.add', name: 'sieve.test' });
  await node.admin({ op: 'user.add', address: 'ann@sieve.test', password: 'ann-password-1' });
  await node.admin({ op: 'user.add', address: 'bob@sieve.test', password: 'bob-password-1' });
  await node.admin({ op: 'user.add', address: 'cat@sieve.test', password: 'cat-password-1' });
  port = node.ports.managesieve!;
});

afterAll(async () => {
  await node?.destroy();
  rmSync(certDir, { recursive: true, force: true });
});

async function loggedIn(user: string, password: string): Promise<SieveClient> {
  const { client } = await SieveClient.open(port);
  await client.startTls(ca.certPem);
  expect(await client.login(user, password)).toMatch(/^OK/);
  return client;
}

describe('ManageSieve on the managesieve role', () => {
  it('greets with its capabilities and offers no SASL mechanism before TLS', async () => {
    const { client, greeting } = await SieveClient.open(port);
    const lines = greeting.split('\r\n');
    expect(lines[0]).toBe('"IMPLEMENTATION" "Nimbus"');
    expect(lines).toContain('"SASL" ""');
    expect(lines).toContain('"STARTTLS"');
    expect(lines).toContain('"VERSION" "1.0"');
    expect(lines).toContain('"UNAUTHENTICATE"');
    expect(lines).toContain('"MAXREDIRECTS" "4"');
    expect(greeting).toMatch(/^"SIEVE" "[^"]*\bfileinto\b[^"]*"$/m);
    expect(greeting).not.toContain('NOTIFY');
    expect(greeting.endsWith('OK\r\n')).toBe(true);
    expect(await client.login('ann@sieve.test', 'ann-password-1')).toMatch(/^NO \(ENCRYPT-NEEDED\)/);
    expect(await client.command('LISTSCRIPTS\r\n')).toMatch(/^NO "LISTSCRIPTS is not valid in this state"/);
    expect(await client.command('LOGOUT\r\n')).toMatch(/^OK/);
    client.close();
  });

  it('re-issues its capabilities after STARTTLS, drops pipelined plaintext, and authenticates', async () => {
    const { client } = await SieveClient.open(port);
    // A command injected after STARTTLS in the same packet must not run inside TLS.
    client.write('STARTTLS\r\nLOGOUT\r\n');
    expect(await client.response()).toMatch(/^OK/);
    const caps = await client.upgrade(ca.certPem);
    expect(caps).toContain('"SASL" "PLAIN"');
    expect(caps).not.toContain('"STARTTLS"');
    expect(await client.login('ann@sieve.test', 'wrong-password')).toBe('NO "Authentication failed"\r\n');
    // Without an initial response: an empty challenge, then the response as a literal.
    client.write('AUTHENTICATE "PLAIN"\r\n');
    expect(await client.line()).toBe('""');
    expect(
      await client.command(
        `${literal(Buffer.from('\0ann@sieve.test\0ann-password-1').toString('base64'))}\r\n`,
      ),
    ).toBe('OK "Logged in"\r\n');
    expect(await client.command('AUTHENTICATE "PLAIN" ""\r\n')).toMatch(
      /^NO "AUTHENTICATE is not valid in this state"/,
    );
    expect(await client.command('LOGOUT\r\n')).toMatch(/^OK/);
    client.close();
  });

  it('stores, lists, activates, fetches, renames and deletes scripts', async () => {
    const c = await loggedIn('ann@sieve.test', 'ann-password-1');
    expect(await c.command(`PUTSCRIPT "spam" ${literal(FILTER)}\r\n`)).toBe('OK\r\n');
    expect(await c.command(`PUTSCRIPT "other" "keep;"\r\n`)).toBe('OK\r\n');
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('"other"\r\n"spam"\r\nOK\r\n');
    expect(await c.command('SETACTIVE "spam"\r\n')).toBe('OK\r\n');
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('"other"\r\n"spam" ACTIVE\r\nOK\r\n');
    expect(await c.command('GETSCRIPT "spam"\r\n')).toBe(
      `{${Buffer.byteLength(FILTER)}}\r\n${FILTER}\r\nOK\r\n`,
    );
    expect(await c.command('GETSCRIPT "nope"\r\n')).toMatch(/^NO \(NONEXISTENT\)/);
    expect(await c.command('DELETESCRIPT "spam"\r\n')).toMatch(/^NO \(ACTIVE\)/);
    expect(await c.command('RENAMESCRIPT "other" "spam"\r\n')).toMatch(/^NO \(ALREADYEXISTS\)/);
    expect(await c.command('RENAMESCRIPT "nope" "x"\r\n')).toMatch(/^NO \(NONEXISTENT\)/);
    expect(await c.command('RENAMESCRIPT "spam" "filters"\r\n')).toBe('OK\r\n');
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('"filters" ACTIVE\r\n"other"\r\nOK\r\n');
    expect(await c.command('SETACTIVE ""\r\n')).toBe('OK\r\n');
    expect(await c.command('DELETESCRIPT "filters"\r\n')).toBe('OK\r\n');
    expect(await c.command('SETACTIVE "filters"\r\n')).toMatch(/^NO \(NONEXISTENT\)/);
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('"other"\r\nOK\r\n');
    expect(await c.command('NOOP "t1"\r\n')).toBe('OK (TAG "t1") "Done"\r\n');
    c.close();
  });

  it('refuses a script that does not compile, with its line and column, and checks without storing', async () => {
    const c = await loggedIn('bob@sieve.test', 'bob-password-1');
    const put = await c.command(`PUTSCRIPT "broken" ${literal(BROKEN)}\r\n`);
    expect(put).toMatch(/^NO "line 2, column \d+: /);
    expect(await c.command(`CHECKSCRIPT ${literal(BROKEN)}\r\n`)).toBe(put);
    expect(await c.command(`CHECKSCRIPT ${literal(FILTER)}\r\n`)).toBe('OK\r\n');
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('OK\r\n');
    c.close();
  });

  it('answers the quotas with QUOTA/MAXSIZE and QUOTA/MAXSCRIPTS, and a literal above the limit unread', async () => {
    const c = await loggedIn('cat@sieve.test', 'cat-password-1');
    expect(await c.command('HAVESPACE "a" 100\r\n')).toBe('OK\r\n');
    expect(await c.command('HAVESPACE "a" 5000\r\n')).toMatch(/^NO \(QUOTA\/MAXSIZE\)/);
    const big = `# ${'x'.repeat(3000)}\r\nkeep;\r\n`;
    expect(await c.command(`PUTSCRIPT "big" ${literal(big)}\r\n`)).toMatch(/^NO \(QUOTA\/MAXSIZE\)/);
    for (const name of ['a', 'b', 'c'])
      expect(await c.command(`PUTSCRIPT "${name}" "keep;"\r\n`)).toBe('OK\r\n');
    expect(await c.command('HAVESPACE "d" 10\r\n')).toMatch(/^NO \(QUOTA\/MAXSCRIPTS\)/);
    expect(await c.command('HAVESPACE "a" 10\r\n')).toBe('OK\r\n');
    expect(await c.command('PUTSCRIPT "d" "keep;"\r\n')).toMatch(/^NO \(QUOTA\/MAXSCRIPTS\)/);
    // Above managesieve.maxLiteralSize: refused without being buffered; the session goes on.
    const huge = `PUTSCRIPT "huge" {100000+}\r\n${'y'.repeat(100_000)}\r\n`;
    expect(await c.command(huge)).toMatch(/^NO \(QUOTA\/MAXSIZE\) "Literal of 100000 octets/);
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('"a"\r\n"b"\r\n"c"\r\nOK\r\n');
    c.close();
  });

  it('keeps accounts apart and forgets the login on UNAUTHENTICATE', async () => {
    const c = await loggedIn('bob@sieve.test', 'bob-password-1');
    expect(await c.command('GETSCRIPT "other"\r\n')).toMatch(/^NO \(NONEXISTENT\)/);
    expect(await c.command('UNAUTHENTICATE\r\n')).toBe('OK\r\n');
    expect(await c.command('LISTSCRIPTS\r\n')).toMatch(/^NO/);
    expect(await c.login('ann@sieve.test', 'ann-password-1')).toMatch(/^OK/);
    expect(await c.command('LISTSCRIPTS\r\n')).toBe('"other"\r\nOK\r\n');
    c.close();
  });

  it('answers bad input with NO and throttles repeated failed logins with TRYLATER', async () => {
    const { client } = await SieveClient.open(port);
    await client.startTls(ca.certPem);
    expect(await client.command('FROB\r\n')).toMatch(/^NO "Unknown command FROB"/);
    expect(await client.command('NOOP "unterminated\r\n')).toMatch(
      /^NO "Invalid character in quoted string"/,
    );
    for (let i = 0; i < 3; i++) await client.login('throttled@sieve.test', 'nope');
    expect(await client.login('throttled@sieve.test', 'nope')).toMatch(/^NO \(TRYLATER\)/);
    client.close();
  });
});
