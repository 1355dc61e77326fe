import net from 'node:net';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { eventually } from '../helpers/in-process-node';
import { Pop3Client, python, startPop3Fixture, unstuff, type Pop3Fixture } from './pop3-fixture';
import { POPLIB_CLIENT } from './pop3-poplib-client';

/**
 * The POP3 role end to end: Python's poplib for the everyday flow, raw sockets for protocol edge
 * cases a polite client library never sends. One file, one node: starting PGlite is the slow part.
 */
const PASSWORD = 'secret pass'; // a space: PASS takes the rest of the line (RFC 1939 §7)
const USERS =
  'capa pipe sasl inuse cross stale rset drop quit range stuff garbage idle throttle tls shutdown lost beat flood'.split(
    ' ',
  );
const user = (name: string) => `${name}@pop.test`;
const plain = (name: string, authzid = '') =>
  Buffer.from(`${authzid}\0${user(name)}\0${PASSWORD}`).toString('base64');

const STUFFED_MESSAGE =
  'Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\nmiddle . dot\r\n.\r\n' + 'x'.repeat(3000) + '\r\nend\r\n';

const MESSAGES = [
  // A lone "." line and dot-led lines: the byte-stuffing cases.
  'From: a@remote.test\r\nSubject: first\r\n\r\nline one\r\n.starts with dot\r\n..two dots\r\n.\r\nlast line\r\n',
  // No final CRLF: RETR must still terminate properly.
  'From: b@remote.test\r\nSubject: second\r\n\r\nno newline at the end',
  'From: c@remote.test\r\nSubject: third\r\n\r\nbody 1\r\nbody 2\r\nbody 3\r\nbody 4\r\n',
];

let fx: Pop3Fixture;
let port: number;

async function login(name: string, p = port): Promise<Pop3Client> {
  const client = await Pop3Client.open(p);
  const reply = await client.login(user(name), PASSWORD);
  if (!reply.startsWith('+OK')) throw new Error(`login ${name}: ${reply}`);
  return client;
}

async function quit(client: Pop3Client): Promise<string> {
  const reply = await client.command('QUIT');
  await client.waitClosed();
  return reply;
}

async function lockRows(name: string): Promise<{ owner: string }[]> {
  const account = (await fx.node.directory.getAccount(user(name)))!;
  const rows = await fx.node.storage.db.query<{ owner: string }>(
    `SELECT owner FROM maildrop_locks WHERE account_id = $1`,
    [account.id],
  );
  return rows.rows;
}

const unlocked = (name: string) => eventually(async () => (await lockRows(name)).length === 0);

beforeAll(async () => {
  fx = await startPop3Fixture({
    ...Object.fromEntries(USERS.map((name) => [user(name), PASSWORD])),
    'py@pop.test': 'py-secret',
    'ssl@pop.test': 'ssl-secret',
  });
  for (const message of MESSAGES) await fx.deliver('py@pop.test', message);
  await fx.deliver('ssl@pop.test', MESSAGES[0]);
  for (let n = 1; n <= 3; n++) {
    await fx.deliver(USERS.map(user), `From: s@remote.test\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`);
  }
  await fx.deliver([user('stuff'), user('flood')], STUFFED_MESSAGE);
  ({ port } = await fx.server());
});

afterAll(async () => {
  await fx.close();
});

interface StlsResult {
  capa_plain: string[];
  user_plain: string;
  capa_tls: string[];
  stat: [number, number];
  list: string[];
  uidl: string[];
  retr: { status: string; text: string; octets: number }[];
  top: string[];
  top0: string[];
  dele: string;
  quit: string;
  stat_after: [number, number];
  uidl_after: string[];
}

describe('Python poplib', () => {
  it('reads, tops and deletes over STLS with poplib (the node’s own server, TLS required)', async () => {
    const strict = fx.node.ports.pop3!;
    const r = await python<StlsResult>(POPLIB_CLIENT, 'stls', String(strict), 'py@pop.test', 'py-secret');

    // Before TLS no password mechanism is offered, and USER is refused with a reason.
    expect(r.capa_plain).toEqual(expect.arrayContaining(['STLS', 'TOP', 'UIDL', 'PIPELINING', 'RESP-CODES']));
    expect(r.capa_plain).not.toContain('USER');
    expect(r.capa_plain).not.toContain('SASL');
    expect(r.user_plain).toMatch(/^-ERR \[AUTH\] .*TLS/);
    expect(r.capa_tls).toEqual(
      expect.arrayContaining(['USER', 'SASL', 'AUTH-RESP-CODE', 'EXPIRE', 'IMPLEMENTATION']),
    );
    expect(r.capa_tls).not.toContain('STLS');

    expect(r.stat[0]).toBe(3);
    const sizes = r.list.map((line) => Number(line.split(' ')[1]));
    expect(r.list.map((line) => line.split(' ')[0])).toEqual(['1', '2', '3']);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(r.stat[1]);

    r.retr.forEach((retr, index) => {
      const prefix = `Return-Path: <sender@remote.test>\r\nDelivered-To: py@pop.test\r\n`;
      // poplib un-stuffs and strips line ends: we get the stored message back exactly.
      expect(retr.text).toBe((prefix + MESSAGES[index]).replace(/\r\n$/, ''));
      // The announced octet count is the stored size, which LIST reported too.
      expect(retr.status).toBe(`+OK ${sizes[index]} octets`);
      expect(Buffer.byteLength(prefix + MESSAGES[index])).toBe(sizes[index]);
    });

    // TOP 3 2: the header, the blank line, two body lines.
    expect(r.top.slice(-3)).toEqual(['', 'body 1', 'body 2']);
    expect(r.top).toContain('Subject: third');
    expect(r.top0[r.top0.length - 1]).toBe('');
    expect(r.top0).not.toContain('line one');

    expect(r.dele).toMatch(/^\+OK/);
    expect(r.quit).toMatch(/^\+OK .*2 messages left/);
    // Message 2 is gone; the others keep their unique ids (and are renumbered).
    expect(r.stat_after[0]).toBe(2);
    const ids = (lines: string[]) => lines.map((line) => line.split(' ')[1]);
    expect(ids(r.uidl_after)).toEqual([ids(r.uidl)[0], ids(r.uidl)[2]]);
    expect(r.uidl_after.map((line) => line.split(' ')[0])).toEqual(['1', '2']);
    expect(await fx.uids('py@pop.test')).toHaveLength(2);
  });

  it('serves implicit TLS (pop3s) to poplib.POP3_SSL', async () => {
    const { port: pop3s } = await fx.server({ implicitTls: true, allowInsecureAuth: false });
    const r = await python<{ capa: string[]; stat: [number, number]; retr: string }>(
      POPLIB_CLIENT,
      'ssl',
      String(pop3s),
      'ssl@pop.test',
      'ssl-secret',
    );
    expect(r.capa).toEqual(expect.arrayContaining(['USER', 'SASL', 'TOP']));
    expect(r.capa).not.toContain('STLS');
    expect(r.stat[0]).toBe(1);
    expect(r.retr).toContain('\r\n.\r\nlast line');
  });

  it('answers a wrong password with -ERR [AUTH]', async () => {
    const { port: pop3s } = await fx.server({ implicitTls: true, allowInsecureAuth: false });
    const r = await python<{ result: string }>(POPLIB_CLIENT, 'wrong', String(pop3s), 'ssl@pop.test', 'nope');
    expect(r.result).toMatch(/^-ERR \[AUTH\]/);
  });
});

describe('capabilities and pipelining', () => {
  it('lists RFC 2449 capabilities per state', async () => {
    const client = await Pop3Client.open(port);
    const before = await client.lines('CAPA');
    expect(before).toEqual(
      expect.arrayContaining(['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER']),
    );
    expect(before).toEqual(
      expect.arrayContaining(['STLS', 'USER', 'SASL PLAIN', 'IMPLEMENTATION Nimbus-Mail']),
    );
    await client.login(user('capa'), PASSWORD);
    const after = await client.lines('CAPA');
    expect(after).toContain('UIDL');
    expect(after).not.toContain('USER');
    expect(after).not.toContain('STLS');
    expect(await quit(client)).toMatch(/^\+OK/);
  });

  it('answers commands pipelined in one write, in order', async () => {
    const client = await Pop3Client.open(port);
    client.send(
      `USER ${user('pipe')}\r\nPASS ${PASSWORD}\r\nSTAT\r\nLIST\r\nUIDL 2\r\nNOOP\r\nTOP 1 0\r\nQUIT\r\n`,
    );
    expect(await client.line()).toMatch(/^\+OK/);
    expect(await client.line()).toMatch(/^\+OK pipe@pop\.test has 3 messages \(\d+ octets\)/);
    const stat = await client.line();
    expect(stat).toMatch(/^\+OK 3 \d+$/);
    const list = await client.readMulti();
    const sizes = list.body.toString().trim().split('\r\n');
    expect(sizes).toHaveLength(3);
    expect(sizes.reduce((sum, line) => sum + Number(line.split(' ')[1]), 0)).toBe(Number(stat.split(' ')[2]));
    expect(await client.line()).toMatch(/^\+OK 2 \d+\.\d+$/);
    expect(await client.line()).toBe('+OK');
    const top = await client.readMulti();
    expect(top.body.toString()).toMatch(/Subject: message 1\r\n\r\n$/);
    expect(await client.line()).toMatch(/^\+OK .*signing off/);
    await client.waitClosed();
  });
});

describe('authentication', () => {
  it('AUTH PLAIN with an initial response, with a continuation, and cancelled with "*"', async () => {
    const mechanisms = await Pop3Client.open(port);
    expect(await mechanisms.lines('AUTH')).toEqual(['PLAIN']);
    expect(await mechanisms.command('AUTH CRAM-MD5')).toMatch(/^-ERR/);
    expect(await mechanisms.command('AUTH PLAIN')).toBe('+ ');
    expect(await mechanisms.command('*')).toMatch(/^-ERR .*cancel/i);
    // Proxy authorisation (another authzid) is refused.
    expect(await mechanisms.command(`AUTH PLAIN ${plain('sasl', 'capa@pop.test')}`)).toMatch(
      /^-ERR \[AUTH\]/,
    );
    expect(await mechanisms.command('AUTH PLAIN !!notbase64')).toMatch(/^-ERR/);
    expect(await mechanisms.command(`AUTH PLAIN ${plain('sasl')}`)).toMatch(/^\+OK sasl@pop\.test has 3/);
    await quit(mechanisms);

    const continued = await Pop3Client.open(port);
    expect(await continued.command('AUTH PLAIN')).toBe('+ ');
    expect(await continued.command(plain('sasl'))).toMatch(/^\+OK/);
    expect(await continued.command('STAT')).toMatch(/^\+OK 3 /);
    await quit(continued);
  });

  it('refuses PASS without USER, and a wrong password with [AUTH]', async () => {
    const client = await Pop3Client.open(port);
    expect(await client.command(`PASS ${PASSWORD}`)).toMatch(/^-ERR/);
    expect(await client.login(user('capa'), 'wrong')).toMatch(/^-ERR \[AUTH\]/);
    expect(await client.login('nobody@pop.test', PASSWORD)).toMatch(/^-ERR \[AUTH\]/);
    expect(await client.command('STAT')).toMatch(/^-ERR/);
    expect(await quit(client)).toMatch(/^\+OK/);
  });

  it('locks an address out after repeated failures with [SYS/TEMP], even for the right password', async () => {
    const throttle = new AuthThrottle({ maxFailures: 3, windowSeconds: 600, lockoutSeconds: 600 });
    const { port: throttled } = await fx.server({}, throttle);
    const client = await Pop3Client.open(throttled);
    for (let i = 0; i < 3; i++) expect(await client.login(user('throttle'), 'bad')).toMatch(/^-ERR \[AUTH\]/);
    expect(await client.login(user('throttle'), PASSWORD)).toMatch(/^-ERR \[SYS\/TEMP\] Too many/);
    expect(await client.command(`AUTH PLAIN ${plain('throttle')}`)).toMatch(/^-ERR \[SYS\/TEMP\]/);
    client.destroy();
    // The lockout is per address, not per connection.
    const again = await Pop3Client.open(throttled);
    expect(await again.login(user('throttle'), PASSWORD)).toMatch(/^-ERR \[SYS\/TEMP\]/);
    again.destroy();
  });

  it('refuses plaintext auth without TLS, hides it from CAPA, and allows it after STLS', async () => {
    const strict = fx.node.ports.pop3!; // the node's own server: allowInsecureAuth false
    const client = await Pop3Client.open(strict);
    const capa = await client.lines('CAPA');
    expect(capa).toContain('STLS');
    expect(capa).not.toContain('USER');
    expect(capa.some((line) => line.startsWith('SASL'))).toBe(false);
    expect(await client.command(`USER ${user('tls')}`)).toMatch(/^-ERR \[AUTH\] .*TLS/);
    expect(await client.command(`AUTH PLAIN ${plain('tls')}`)).toMatch(/^-ERR \[AUTH\] .*TLS/);
    await client.stls();
    expect(client.encrypted).toBe(true);
    expect(await client.lines('CAPA')).toEqual(expect.arrayContaining(['USER', 'SASL PLAIN']));
    expect(await client.command('STLS')).toMatch(/^-ERR/);
    expect(await client.login(user('tls'), PASSWORD)).toMatch(/^\+OK/);
    expect(await quit(client)).toMatch(/^\+OK/);
  });

  it('discards input pipelined after STLS (no plaintext command injection)', async () => {
    const client = await Pop3Client.open(fx.node.ports.pop3!);
    client.send(`STLS\r\nUSER ${user('tls')}\r\n`);
    expect(await client.line()).toMatch(/^\+OK/);
    await client.upgrade();
    // Had the injected USER survived into the TLS session, this PASS would log in.
    expect(await client.command(`PASS ${PASSWORD}`)).toMatch(/^-ERR USER first/);
    expect(await quit(client)).toMatch(/^\+OK/);
  });
});

describe('maildrop lock', () => {
  it('answers a second session for the same account with [IN-USE] until the first quits', async () => {
    const first = await login('inuse');
    const second = await Pop3Client.open(port);
    expect(await second.login(user('inuse'), PASSWORD)).toMatch(/^-ERR \[IN-USE\]/);
    // Still in AUTHORIZATION: it may try again once the maildrop is free.
    await quit(first);
    await unlocked('inuse');
    expect(await second.login(user('inuse'), PASSWORD)).toMatch(/^\+OK/);
    await quit(second);
  });

  it('holds across servers with separate stores sharing one database (the lock is in SQL)', async () => {
    const { port: other } = await fx.server();
    const first = await login('cross');
    const rows = await lockRows('cross');
    expect(rows).toHaveLength(1);
    const blocked = await Pop3Client.open(other);
    expect(await blocked.login(user('cross'), PASSWORD)).toMatch(/^-ERR \[IN-USE\] Mailbox locked/);
    // A dropped connection gives the lock back too.
    first.destroy();
    await unlocked('cross');
    expect(await blocked.login(user('cross'), PASSWORD)).toMatch(/^\+OK/);
    expect((await lockRows('cross'))[0].owner).not.toBe(rows[0].owner);
    await quit(blocked);
    expect(await lockRows('cross')).toHaveLength(0);
  });

  it('takes over the expired lock of a crashed node, but not a live one', async () => {
    const account = (await fx.node.directory.getAccount(user('stale')))!;
    const db = fx.node.storage.db;
    await db.query(
      `INSERT INTO maildrop_locks (account_id, owner, expires_at) VALUES ($1, 'other-node/live', now() + interval '1 hour')`,
      [account.id],
    );
    const client = await Pop3Client.open(port);
    expect(await client.login(user('stale'), PASSWORD)).toMatch(/^-ERR \[IN-USE\]/);
    await db.query(
      `UPDATE maildrop_locks SET expires_at = now() - interval '1 second' WHERE account_id = $1`,
      [account.id],
    );
    expect(await client.login(user('stale'), PASSWORD)).toMatch(/^\+OK/);
    expect((await lockRows('stale'))[0].owner).toMatch(/^test-/);
    await quit(client);
  });
  it('renews the lease with a heartbeat while the session lives', async () => {
    const { port: short } = await fx.server({ lockLeaseSeconds: 3 });
    const client = await login('beat', short);
    const account = (await fx.node.directory.getAccount(user('beat')))!;
    const expiry = async () =>
      (
        await fx.node.storage.db.query<{ at: number }>(
          `SELECT extract(epoch FROM expires_at)::float8 AS at FROM maildrop_locks WHERE account_id = $1`,
          [account.id],
        )
      ).rows[0].at;
    const first = await expiry();
    await eventually(async () => (await expiry()) > first);
    await quit(client);
  });

  it('applies no deletions at QUIT when the lease was lost to another session', async () => {
    const { port: other } = await fx.server();
    const first = await login('lost');
    expect(await first.command('DELE 1')).toMatch(/^\+OK/);
    const account = (await fx.node.directory.getAccount(user('lost')))!;
    // As if this node had stalled past its lease: another node takes the maildrop over.
    await fx.node.storage.db.query(
      `UPDATE maildrop_locks SET expires_at = now() - interval '1 second' WHERE account_id = $1`,
      [account.id],
    );
    const second = await login('lost', other);
    expect(await quit(first)).toMatch(/^-ERR \[SYS\/TEMP\] Maildrop lock lost/);
    expect(await fx.uids(user('lost'))).toHaveLength(3);
    // The loser must not have removed the winner's lock.
    expect(await lockRows('lost')).toHaveLength(1);
    expect(await second.command('STAT')).toMatch(/^\+OK 3 /);
    await quit(second);
  });
});

describe('deletion and the UPDATE state', () => {
  it('RSET unmarks deletions', async () => {
    const client = await login('rset');
    expect(await client.command('DELE 1')).toMatch(/^\+OK/);
    expect(await client.command('DELE 2')).toMatch(/^\+OK/);
    expect(await client.command('DELE 2')).toMatch(/^-ERR/);
    expect(await client.command('STAT')).toMatch(/^\+OK 1 /);
    expect(await client.command('RSET')).toMatch(/^\+OK Maildrop has 3 messages/);
    expect(await client.command('STAT')).toMatch(/^\+OK 3 /);
    expect(await quit(client)).toMatch(/3 messages left/);
    expect(await fx.uids(user('rset'))).toHaveLength(3);
  });

  it('a connection dropped without QUIT deletes nothing', async () => {
    const client = await login('drop');
    for (const n of [1, 2, 3]) expect(await client.command(`DELE ${n}`)).toMatch(/^\+OK/);
    client.destroy();
    await unlocked('drop');
    expect(await fx.uids(user('drop'))).toHaveLength(3);
  });

  it('applies deletions at QUIT; UIDLs stay stable across sessions, deletions and new mail', async () => {
    const first = await login('quit');
    const before = await first.lines('UIDL');
    expect(before).toHaveLength(3);
    expect(await first.command('DELE 1')).toMatch(/^\+OK/);
    // Marked messages are hidden from LIST/UIDL but numbers do not shift.
    expect(await first.lines('UIDL')).toEqual(before.slice(1));
    expect(await first.command('UIDL 1')).toMatch(/^-ERR/);
    expect(await first.command('UIDL 3')).toBe(`+OK ${before[2]}`);
    expect(await quit(first)).toMatch(/^\+OK .*2 messages left/);
    expect(await fx.uids(user('quit'))).toHaveLength(2);

    await fx.deliver(user('quit'), 'Subject: quit 4\r\n\r\nnew\r\n');
    const second = await login('quit');
    const after = await second.lines('UIDL');
    const id = (line: string) => line.split(' ')[1];
    expect(after.slice(0, 2).map(id)).toEqual(before.slice(1).map(id));
    expect(after.map((line) => line.split(' ')[0])).toEqual(['1', '2', '3']);
    expect(before.map(id)).not.toContain(id(after[2]));
    expect(new Set(after.map(id)).size).toBe(3);
    await quit(second);
  });

  it('rejects bad, zero, out-of-range and deleted message numbers', async () => {
    const client = await login('range');
    for (const command of [
      'RETR 0',
      'RETR 4',
      'RETR x',
      'RETR',
      'LIST 99',
      'TOP 1',
      'TOP 1 -1',
      'DELE 1 2',
      'STAT 1',
    ]) {
      expect(await client.command(command)).toMatch(/^-ERR/);
    }
    expect(await client.command('DELE 3')).toMatch(/^\+OK/);
    expect(await client.command('RETR 3')).toMatch(/^-ERR/);
    expect(await client.command('LIST 3')).toMatch(/^-ERR/);
    expect(await client.command('LIST 2')).toMatch(/^\+OK 2 \d+$/);
    // AUTHORIZATION-only commands are refused once logged in.
    expect(await client.command(`USER ${user('range')}`)).toMatch(/^-ERR/);
    expect(await client.command('RSET')).toMatch(/^\+OK/);
    await quit(client);
  });
});

describe('message transfer', () => {
  it('byte-stuffs dot lines and reports exact stored octet counts', async () => {
    const client = await login('stuff');
    const list = await client.lines('LIST');
    const account = (await fx.node.directory.getAccount(user('stuff')))!;
    const inbox = (await fx.node.mailboxes.getMailbox(account.id, 'INBOX'))!;
    const stored = await fx.node.mailboxes.listMessages(inbox.id);
    const raw = await fx.node.mailboxes.readMessage(stored[3]);
    expect(list[3]).toBe(`4 ${raw.length}`);
    expect(stored[3].size).toBe(raw.length);

    const retr = await client.multi('RETR 4');
    expect(retr.status).toBe(`+OK ${raw.length} octets`);
    // On the wire every line starting with "." has one more; the client removes exactly those.
    expect(retr.body.toString()).toContain('\r\n\r\n..\r\n...\r\n..leading dot\r\nmiddle . dot\r\n..\r\n');
    expect(unstuff(retr.body).equals(raw)).toBe(true);

    const top = await client.multi('TOP 4 3');
    expect(top.body.toString()).toMatch(/Subject: dots\r\n\r\n\.\.\r\n\.\.\.\r\n\.\.leading dot\r\n$/);
    await quit(client);
  });
  it('answers thousands of pipelined commands from a client that is slow to read (back-pressure)', async () => {
    // ~5 MB of answers (the socket buffers fill) and 70 KB of commands (input reading pauses).
    const retrs = 1500;
    const noops = 12_000;
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write(
      `USER ${user('flood')}\r\nPASS ${PASSWORD}\r\n` +
        'RETR 4\r\n'.repeat(retrs) +
        'NOOP\r\n'.repeat(noops) +
        'QUIT\r\n',
    );
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.resume();
    await closed;
    const text = Buffer.concat(chunks).toString('latin1');
    expect(text.split(/ octets\r\n/).length - 1).toBe(retrs);
    expect(text.split('\r\n.\r\n').length - 1).toBe(retrs);
    expect(text.split('+OK\r\n').length - 1).toBe(noops);
    expect(text).toMatch(/\+OK [^\r]*signing off[^\r]*\r\n$/);
  });
});

describe('bad input and limits', () => {
  it('answers an over-long line once, discards the rest of it, and carries on', async () => {
    const client = await Pop3Client.open(port);
    // 2 KB in several writes, with a "command" inside: none of it may run.
    client.send('NOOP ' + 'a'.repeat(700));
    client.send('\rQUIT\r' + 'b'.repeat(700));
    client.send('c'.repeat(700) + ' QUIT\r\nCAPA\r\n');
    expect(await client.line()).toMatch(/^-ERR .*too long/i);
    const capa = await client.readMulti();
    expect(capa.status).toMatch(/^\+OK/);
    expect(client.closed).toBe(false);
    expect(await quit(client)).toMatch(/^\+OK/);
  });

  it('rejects garbage, unknown commands, NUL and wrong-state commands', async () => {
    const client = await Pop3Client.open(port);
    for (const line of [
      'HELLO',
      'GET / HTTP/1.1',
      '',
      '   ',
      'APOP x y',
      'STAT',
      'RETR 1',
      '\u00ff\u00fe',
      'NO\0OP',
    ]) {
      expect(await client.command(line)).toMatch(/^-ERR/);
    }
    expect(await client.command('noop')).toMatch(/^-ERR/); // NOOP is a TRANSACTION command
    expect(await client.login(user('garbage'), PASSWORD)).toMatch(/^\+OK/);
    expect(await client.command('noop')).toBe('+OK'); // keywords are case-insensitive
    await quit(client);
  });

  it('closes the connection after too many errors', async () => {
    const { port: strict } = await fx.server({ maxErrors: 3 });
    const client = await Pop3Client.open(strict);
    client.send('BAD1\r\nBAD2\r\nBAD3\r\nCAPA\r\n');
    const rest = await client.rest();
    expect(rest.split('\r\n').filter(Boolean)).toEqual([
      '-ERR Unknown command',
      '-ERR Unknown command',
      '-ERR Unknown command',
      '-ERR Too many errors, closing connection',
    ]);
  });

  it('closes an idle session with -ERR and applies no deletions', async () => {
    const { port: quick } = await fx.server({ idleTimeoutMs: 1000 });
    const client = await login('idle', quick);
    expect(await client.command('DELE 1')).toMatch(/^\+OK/);
    expect(await client.rest()).toMatch(/^-ERR .*inactivity/);
    await unlocked('idle');
    expect(await fx.uids(user('idle'))).toHaveLength(3);
  });

  it('limits connections per address and in total', async () => {
    const { port: small, server } = await fx.server({ maxConnectionsPerIp: 2, maxConnections: 10 });
    const a = await Pop3Client.open(small);
    const b = await Pop3Client.open(small);
    const refused = await Pop3Client.connect(small);
    expect(await refused.rest()).toMatch(/^-ERR \[SYS\/TEMP\] Too many connections from your address/);
    expect(server.sessionCount).toBe(2);
    await quit(a);
    await eventually(async () => server.sessionCount === 1);
    const c = await Pop3Client.open(small);
    await quit(b);
    await quit(c);

    const { port: tiny } = await fx.server({ maxConnections: 1 });
    const only = await Pop3Client.open(tiny);
    const over = await Pop3Client.connect(tiny);
    expect(await over.rest()).toMatch(/^-ERR \[SYS\/TEMP\] Too many connections/);
    await quit(only);
  });
});

describe('shutdown', () => {
  it('tells sessions the server is shutting down, applies no deletions and frees the lock', async () => {
    const { port: doomed, server } = await fx.server();
    const idle = await Pop3Client.open(doomed);
    const client = await login('shutdown', doomed);
    expect(await client.command('DELE 1')).toMatch(/^\+OK/);
    await server.close();
    expect(await client.rest()).toBe('-ERR [SYS/TEMP] Server shutting down\r\n');
    expect(await idle.rest()).toMatch(/^-ERR \[SYS\/TEMP\]/);
    expect(server.sessionCount).toBe(0);
    await unlocked('shutdown');
    expect(await fx.uids(user('shutdown'))).toHaveLength(3);
    await expect(Pop3Client.connect(doomed)).rejects.toThrow();
  });
});
