import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { ANY_PORTS_ARGS, ANY_PORTS_ENV, NodeProcess } from '../helpers/node-process';
import {
  RawClient,
  adminCommand,
  captureClientHello,
  expectAlive,
  readUntil,
  upgrade,
  type HangUp,
} from '../helpers/hostile-client';

/**
 * Hostile clients on the mail ports of a real node process (issue #11): TLS handshakes cut short
 * or reset, garbage instead of a ClientHello, resets after the handshake, renegotiation floods,
 * and the same after STARTTLS/STLS on the plain ports. After each case the process must still
 * run and real clients (imapflow, nodemailer, a POP3 dialogue) must still be served.
 */
const USER = 'victim@hostile.test';
const PASSWORD = 'Hostile-Client-Passphrase-2026';

let dataDir: string;
let node: NodeProcess;
let ports: Record<string, number>;
let clientHello: Buffer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-hostile-tls-'));
  node = new NodeProcess(dataDir, ANY_PORTS_ARGS, ANY_PORTS_ENV);
  ports = await node.start();
  await adminCommand(dataDir, ports.http, { op: 'domain.add', name: 'hostile.test' });
  await adminCommand(dataDir, ports.http, { op: 'user.add', address: USER, password: PASSWORD });
  clientHello = await captureClientHello();
}, 120_000);

afterAll(async () => {
  await node?.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

async function imapLogin(): Promise<void> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: ports.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: USER, pass: PASSWORD },
    logger: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  await client.connect();
  const status = await client.status('INBOX', { messages: true });
  expect(status && status.path).toBe('INBOX');
  await client.logout();
}

async function submissionLogin(): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: ports.submissions,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: USER, pass: PASSWORD },
  });
  expect(await transport.verify()).toBe(true);
  transport.close();
}

async function pop3Login(): Promise<void> {
  const socket = tls.connect({ host: '127.0.0.1', port: ports.pop3s, rejectUnauthorized: false });
  socket.on('error', () => undefined);
  await readUntil(socket, /^\+OK.*\r\n/);
  socket.write(`USER ${USER}\r\n`);
  await readUntil(socket, /^\+OK.*\r\n/);
  socket.write(`PASS ${PASSWORD}\r\n`);
  expect(await readUntil(socket, /\r\n/)).toMatch(/^\+OK/);
  socket.write('QUIT\r\n');
  await readUntil(socket, /^\+OK.*\r\n/);
  socket.end();
}

/** The node survived the last case, and real clients get in on every TLS port. */
async function expectServed(): Promise<void> {
  expectAlive(node);
  expect((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status).toBe(200);
  await imapLogin();
  await submissionLogin();
  await pop3Login();
}

const IMPLICIT: [string, RegExp][] = [
  ['imaps', /^\* OK/],
  ['pop3s', /^\+OK/],
  ['submissions', /^220 /],
];
const HANG_UPS: HangUp[] = ['fin', 'rst'];

describe('implicit TLS ports', () => {
  for (const [service, greeting] of IMPLICIT) {
    describe(service, () => {
      for (const how of HANG_UPS) {
        it(`half a ClientHello, then ${how.toUpperCase()}`, async () => {
          const raw = await RawClient.connect(ports[service]);
          await raw.write(clientHello.subarray(0, Math.floor(clientHello.length / 2)));
          raw.hangUp(how);
          await raw.waitClosed();
          await expectServed();
        });

        it(`a whole ClientHello, the ServerHello back, then ${how.toUpperCase()} mid-handshake`, async () => {
          const raw = await RawClient.connect(ports[service]);
          await raw.write(clientHello);
          await raw.waitFor(/^\x16\x03/); // a TLS handshake record: the server is in the handshake
          raw.hangUp(how);
          await raw.waitClosed();
          await expectServed();
        });

        it(`after the handshake and greeting, half a command, then ${how.toUpperCase()}`, async () => {
          const raw = await RawClient.connect(ports[service]);
          const secure = await upgrade(raw);
          secure.on('error', () => undefined);
          await readUntil(secure, greeting);
          secure.write(service === 'imaps' ? 'a1 LOGIN "half' : 'USER half');
          raw.hangUp(how);
          await raw.waitClosed();
          await expectServed();
        });
      }

      it('plaintext garbage instead of a ClientHello: the connection is dropped', async () => {
        const raw = await RawClient.connect(ports[service]);
        await raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await raw.waitClosed();
        await expectServed();
      });

      it('a TLS record that claims 16 MB and stops: dropped on FIN', async () => {
        const raw = await RawClient.connect(ports[service]);
        await raw.write(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff]));
        raw.hangUp('fin');
        await raw.waitClosed();
        await expectServed();
      });
    });
  }

  it('TLS 1.2 renegotiation is refused (a no_renegotiation alert)', async () => {
    const raw = await RawClient.connect(ports.imaps);
    const secure = await upgrade(raw, { maxVersion: 'TLSv1.2' });
    await readUntil(secure, /^\* OK/);
    // Each renegotiation would cost the server a private-key operation: a CPU flood from one socket.
    const outcome = await new Promise<Error | null>((resolve) => {
      secure.once('error', resolve);
      secure.renegotiate({ rejectUnauthorized: false }, (error) => resolve(error ?? null));
    });
    expect(outcome?.message).toMatch(/no renegotiation/);
    raw.hangUp('rst');
    await expectServed();
  });
});

/** Plain ports: the command that starts TLS, and the server's go-ahead. */
const STARTTLS: [string, RegExp, string, RegExp][] = [
  ['smtp', /^220 /, 'EHLO hostile.test\r\nSTARTTLS\r\n', /\r\n220 2\.0\.0 /],
  ['submission', /^220 /, 'EHLO hostile.test\r\nSTARTTLS\r\n', /\r\n220 2\.0\.0 /],
  ['imap', /^\* OK/, 'a1 STARTTLS\r\n', /a1 OK/],
  ['pop3', /^\+OK/, 'STLS\r\n', /\r\n\+OK/],
];

describe('STARTTLS upgrades', () => {
  for (const [service, greeting, command, goAhead] of STARTTLS) {
    describe(service, () => {
      const startTls = async (): Promise<RawClient> => {
        const raw = await RawClient.connect(ports[service]);
        await raw.waitFor(greeting);
        await raw.write(command);
        await raw.waitFor(goAhead);
        return raw;
      };

      for (const how of HANG_UPS) {
        it(`half a ClientHello after the go-ahead, then ${how.toUpperCase()}`, async () => {
          const raw = await startTls();
          await raw.write(clientHello.subarray(0, 40));
          raw.hangUp(how);
          await raw.waitClosed();
          await expectServed();
        });

        it(`the handshake done, then ${how.toUpperCase()}`, async () => {
          const raw = await startTls();
          const secure = await upgrade(raw);
          secure.on('error', () => undefined);
          secure.write(service === 'imap' ? 'a2 NOOP\r\n' : service === 'pop3' ? 'CAPA\r\n' : 'EHLO x\r\n');
          await readUntil(
            secure,
            service === 'imap' ? /a2 OK/ : service === 'pop3' ? /\r\n\.\r\n/ : /^250 /m,
          );
          raw.hangUp(how);
          await raw.waitClosed();
          await expectServed();
        });
      }

      it('garbage instead of a ClientHello after the go-ahead', async () => {
        const raw = await startTls();
        await raw.write('QUIT\r\nthis is not TLS\r\n');
        await raw.waitClosed();
        await expectServed();
      });
    });
  }
});
