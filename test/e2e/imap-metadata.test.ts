/**
 * METADATA and METADATA-SERVER (RFC 5464) over a real socket: server and mailbox entries,
 * /private per user and /shared per mailbox, DEPTH and MAXSIZE, literal and literal8 values,
 * the limits and their response codes, entry-name grammar errors, storage across RENAME/DELETE
 * and account removal, /private/specialuse (RFC 6154 §4), the 'metadata' change event, and
 * Python's imaplib as a real client.
 */
import pino from 'pino';
import { ImapServer, DEFAULT_IMAP_OPTIONS } from '../../containers/imap/imap-server';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import type { MailboxChange } from '../../core/ports/events';
import { addUser, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

const LIMITS = {
  maxValueSize: 2048,
  maxEntriesPerMailbox: 12,
  maxEntriesPerAccount: 30,
  maxTotalSize: 8192,
  privateEntries: true,
  serverComment: 'Nimbus test server',
};

let h: ImapHarness;

beforeAll(async () => {
  h = await startImapHarness({ metadata: LIMITS });
  for (const user of ['alice', 'bob', 'dave', 'erin', 'python'])
    await addUser(h, `${user}@meta.test`, `${user}-pw`);
  await addUser(h, 'carol@other.test', 'carol-pw');
});

afterAll(async () => {
  await h.close();
});

async function login(user: string, port = h.port): Promise<RawImap> {
  const raw = await RawImap.connect(port);
  const address = user.includes('@') ? user : `${user}@meta.test`;
  const out = await raw.command('L', `LOGIN ${address} ${address.split('@')[0]}-pw`);
  expect(out).toMatch(/^L OK/m);
  return raw;
}

async function accountId(address: string): Promise<number> {
  const result = await h.node.storage.db.query<{ id: string }>(`SELECT id FROM accounts WHERE address = $1`, [
    address,
  ]);
  return Number(result.rows[0].id);
}

async function rowCount(where: string, params: unknown[]): Promise<number> {
  const result = await h.node.storage.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM imap_metadata WHERE ${where}`,
    params,
  );
  return Number(result.rows[0].n);
}

test('METADATA and METADATA-SERVER are advertised after login, not before', async () => {
  const raw = await RawImap.connect(h.port);
  expect(await raw.command('C0', 'CAPABILITY')).not.toMatch(/METADATA/);
  await raw.command('L', 'LOGIN alice@meta.test alice-pw');
  const caps = await raw.command('C1', 'CAPABILITY');
  expect(caps).toMatch(/^\* CAPABILITY .* METADATA METADATA-SERVER( |\r)/m);
  await raw.close();
});

test('server entries: /shared/admin and /shared/comment come from the settings and are read-only', async () => {
  const raw = await login('alice');
  expect(await raw.command('a', 'GETMETADATA "" (/shared/admin /shared/comment /shared/none)')).toBe(
    '* METADATA "" (/shared/admin "mailto:postmaster@imap.test.example" /shared/comment "Nimbus test server" /shared/none NIL)\r\n' +
      'a OK GETMETADATA completed\r\n',
  );
  expect(await raw.command('b', 'SETMETADATA "" (/shared/admin "mailto:me@meta.test")')).toMatch(
    /^b NO \[CANNOT\]/m,
  );
  expect(await raw.command('c', 'SETMETADATA "" (/shared/motd "hello")')).toMatch(/^c NO \[NOPERM\]/m);
  expect(await raw.command('d', 'GETMETADATA "" /shared/motd')).toMatch(
    /^\* METADATA "" \(\/shared\/motd NIL\)/m,
  );
  await raw.close();
});

test('server /private entries belong to the user alone', async () => {
  const alice = await login('alice');
  expect(await alice.command('a', 'SETMETADATA "" (/private/vendor/nimbus/theme "dark")')).toBe(
    'a OK SETMETADATA completed\r\n',
  );
  expect(await alice.command('b', 'GETMETADATA "" /private/vendor/nimbus/theme')).toMatch(
    /^\* METADATA "" \(\/private\/vendor\/nimbus\/theme "dark"\)/m,
  );
  const bob = await login('bob');
  expect(await bob.command('c', 'GETMETADATA (DEPTH infinity) "" /private')).toBe(
    'c OK GETMETADATA completed\r\n',
  );
  const carol = await login('carol@other.test');
  expect(await carol.command('d', 'GETMETADATA "" /private/vendor/nimbus/theme')).toMatch(
    /^\* METADATA "" \(\/private\/vendor\/nimbus\/theme NIL\)/m,
  );
  await Promise.all([alice.close(), bob.close(), carol.close()]);
});

test('mailbox entries: private and shared, case-insensitive names, NIL deletes', async () => {
  const raw = await login('alice');
  expect(
    await raw.command('a', 'SETMETADATA INBOX (/private/comment "my note" /Shared/Comment "team note")'),
  ).toBe('a OK SETMETADATA completed\r\n');
  expect(await raw.command('b', 'GETMETADATA INBOX (/PRIVATE/COMMENT /shared/comment)')).toBe(
    '* METADATA "INBOX" (/private/comment "my note" /shared/comment "team note")\r\nb OK GETMETADATA completed\r\n',
  );
  expect(await raw.command('c', 'SETMETADATA INBOX (/private/comment NIL)')).toBe(
    'c OK SETMETADATA completed\r\n',
  );
  expect(await raw.command('d', 'GETMETADATA INBOX (/private/comment /shared/comment)')).toMatch(
    /^\* METADATA "INBOX" \(\/private\/comment NIL \/shared\/comment "team note"\)/m,
  );
  // Removing what is not there is no error; the later of two values for one entry wins.
  expect(await raw.command('e', 'SETMETADATA INBOX (/private/nothing NIL)')).toMatch(/^e OK/m);
  expect(await raw.command('f', 'SETMETADATA INBOX (/private/x "1" /private/x "2")')).toMatch(/^f OK/m);
  expect(await raw.command('g', 'GETMETADATA INBOX /private/x')).toMatch(
    /^\* METADATA "INBOX" \(\/private\/x "2"\)/m,
  );
  // Works in the selected state too.
  await raw.command('s', 'SELECT INBOX');
  expect(await raw.command('h', 'GETMETADATA INBOX /shared/comment')).toMatch(/"team note"/);
  await raw.close();
});

test('DEPTH 0, 1 and infinity; MAXSIZE leaves out long values and reports LONGENTRIES', async () => {
  const raw = await login('bob');
  await raw.command('c', 'CREATE Depth');
  expect(
    await raw.command(
      'a',
      'SETMETADATA Depth (/private/a "top" /private/a/b "1" /private/a/c "22" /private/a/b/d "333" /private/ab "no")',
    ),
  ).toMatch(/^a OK/m);
  expect(await raw.command('b', 'GETMETADATA Depth /private/a')).toBe(
    '* METADATA "Depth" (/private/a "top")\r\nb OK GETMETADATA completed\r\n',
  );
  expect(await raw.command('d1', 'GETMETADATA (DEPTH 1) Depth /private/a')).toBe(
    '* METADATA "Depth" (/private/a "top" /private/a/b "1" /private/a/c "22")\r\nd1 OK GETMETADATA completed\r\n',
  );
  expect(await raw.command('di', 'GETMETADATA (DEPTH infinity) Depth /private/a')).toBe(
    '* METADATA "Depth" (/private/a "top" /private/a/b "1" /private/a/b/d "333" /private/a/c "22")\r\n' +
      'di OK GETMETADATA completed\r\n',
  );
  expect(await raw.command('m', 'GETMETADATA (MAXSIZE 2 DEPTH infinity) Depth (/private/a)')).toBe(
    '* METADATA "Depth" (/private/a/b "1" /private/a/c "22")\r\nm OK [METADATA LONGENTRIES 3] GETMETADATA completed\r\n',
  );
  // A missing entry with children: DEPTH > 0 lists only what exists; nothing at all gives no METADATA.
  await raw.command('r', 'SETMETADATA Depth (/private/a NIL)');
  expect(await raw.command('e', 'GETMETADATA (DEPTH 1) Depth /private/a')).toBe(
    '* METADATA "Depth" (/private/a/b "1" /private/a/c "22")\r\ne OK GETMETADATA completed\r\n',
  );
  expect(await raw.command('n', 'GETMETADATA (DEPTH 1) Depth /shared')).toBe(
    'n OK GETMETADATA completed\r\n',
  );
  await raw.close();
});

test('values as literals: CRLF inside a literal, NUL only in a literal8 (sent back as ~{n})', async () => {
  const raw = await login('bob');
  raw.write('a SETMETADATA INBOX (/private/lines {12}\r\n');
  expect(await raw.until(/^\+ /m)).toMatch(/^\+ /m);
  raw.take();
  raw.write('line1\r\nline2 /shared/bin ~{5+}\r\nx\0y\0z)\r\n');
  expect(await raw.tagged('a')).toBe('a OK SETMETADATA completed\r\n');
  const out = await raw.command('b', 'GETMETADATA INBOX (/private/lines /shared/bin)');
  expect(out).toBe(
    '* METADATA "INBOX" (/private/lines {12}\r\nline1\r\nline2 /shared/bin ~{5}\r\nx\0y\0z)\r\nb OK GETMETADATA completed\r\n',
  );
  // NUL in a plain literal is not an nstring.
  expect(await raw.command('c', 'SETMETADATA INBOX (/private/nul {3+}\r\na\0b)')).toMatch(/^c BAD/m);
  // An empty string is a value, not a deletion.
  await raw.command('d', 'SETMETADATA INBOX (/private/empty "")');
  expect(await raw.command('e', 'GETMETADATA INBOX /private/empty')).toMatch(/\(\/private\/empty ""\)/);
  await raw.close();
});

test('entry-name grammar errors are BAD and the session carries on', async () => {
  const raw = await login('erin');
  const bad = [
    'GETMETADATA "" /shared/foo*',
    'GETMETADATA "" /shared/fo%',
    'GETMETADATA "" /shared//foo',
    'GETMETADATA "" /shared/foo/',
    'GETMETADATA "" /foo/bar',
    'GETMETADATA "" shared/foo',
    'GETMETADATA "" "/shared/\u00e9"',
    'GETMETADATA "" "/shared/a\tb"',
    'GETMETADATA (DEPTH 2) "" /shared/comment',
    'GETMETADATA (FOO 1) "" /shared/comment',
    'GETMETADATA () "" /shared/comment',
    'GETMETADATA (MAXSIZE 4294967296) "" /shared/comment',
    'GETMETADATA "" /shared/a /shared/b',
    'GETMETADATA "" ()',
    'SETMETADATA INBOX (/private/x)',
    'SETMETADATA INBOX ()',
    'SETMETADATA INBOX (/private/x (1))',
    'SETMETADATA INBOX /private/x "1"',
  ];
  let i = 0;
  for (const command of bad) {
    const tag = `b${i++}`;
    expect([command, await raw.command(tag, command)]).toEqual([
      command,
      expect.stringMatching(new RegExp(`^${tag} BAD`, 'm')),
    ]);
  }
  expect(await raw.command('n', 'NOOP')).toMatch(/^n OK/m);
  // Not an entry but the root of a kind: readable, not writable.
  expect(await raw.command('r', 'SETMETADATA INBOX (/private "x")')).toMatch(/^r NO \[CANNOT\]/m);
  expect(await raw.command('q', 'GETMETADATA INBOX "/private/a b"')).toMatch(
    /^\* METADATA "INBOX" \("\/private\/a b" NIL\)/m,
  );
  expect(await raw.command('x', 'GETMETADATA Nope /private/comment')).toMatch(/^x NO \[NONEXISTENT\]/m);
  expect(await raw.command('y', 'SETMETADATA Nope (/private/comment "x")')).toMatch(/^y NO \[NONEXISTENT\]/m);
  await raw.close();
});

test('limits: MAXSIZE, TOOMANY (nothing of the command is kept) and the total size', async () => {
  const raw = await login('dave');
  const big = 'x'.repeat(2049);
  expect(await raw.command('a', `SETMETADATA INBOX (/private/big {2049+}\r\n${big})`)).toMatch(
    /^a NO \[METADATA MAXSIZE 2048\]/m,
  );
  const many = Array.from({ length: 13 }, (_, i) => `/private/n${i} "v"`).join(' ');
  expect(await raw.command('b', `SETMETADATA INBOX (${many})`)).toMatch(/^b NO \[METADATA TOOMANY\]/m);
  expect(await raw.command('c', 'GETMETADATA (DEPTH 1) INBOX /private')).toBe(
    'c OK GETMETADATA completed\r\n',
  );
  const twelve = Array.from({ length: 12 }, (_, i) => `/private/n${i} "v"`).join(' ');
  expect(await raw.command('d', `SETMETADATA INBOX (${twelve})`)).toMatch(/^d OK/m);
  expect(await raw.command('e', 'SETMETADATA INBOX (/shared/one "more")')).toMatch(
    /^e NO \[METADATA TOOMANY\]/m,
  );
  // Replacing a value and deleting stay possible at the limit.
  expect(await raw.command('f', 'SETMETADATA INBOX (/private/n0 "w" /private/n1 NIL)')).toMatch(/^f OK/m);
  // Total size: 2000 octets on each of five mailboxes exceeds 8192.
  const value = 'y'.repeat(2000);
  let last = '';
  for (let i = 0; i < 5; i++) {
    await raw.command(`m${i}`, `CREATE Size${i}`);
    last = await raw.command(`s${i}`, `SETMETADATA Size${i} (/shared/blob {2000+}\r\n${value})`);
  }
  expect(last).toMatch(/^s4 NO \[LIMIT\]/m);
  await raw.close();
});

test('[METADATA NOPRIVATE] when private entries are switched off', async () => {
  const server = new ImapServer({
    options: {
      ...DEFAULT_IMAP_OPTIONS,
      hostname: 'imap.test.example',
      allowInsecureAuth: true,
      metadata: { ...LIMITS, privateEntries: false },
    },
    directory: h.node.directory,
    store: h.node.mailboxes,
    db: h.node.storage.db,
    blobs: h.node.storage.blobs,
    events: h.node.storage.events,
    secureContext: () => {
      throw new Error('no TLS');
    },
    authThrottle: new AuthThrottle({ maxFailures: 3, windowSeconds: 60, lockoutSeconds: 60 }),
    log: pino({ level: 'silent' }),
    nodeId: 'test-noprivate',
  });
  const port = await server.listen(0, '127.0.0.1');
  try {
    const raw = await login('erin', port);
    expect(await raw.command('a', 'SETMETADATA INBOX (/shared/comment "ok" /private/comment "no")')).toMatch(
      /^a NO \[METADATA NOPRIVATE\]/m,
    );
    expect(await raw.command('b', 'SETMETADATA "" (/private/comment "no")')).toMatch(
      /^b NO \[METADATA NOPRIVATE\]/m,
    );
    expect(await raw.command('c', 'GETMETADATA INBOX (/shared/comment)')).toMatch(
      /\(\/shared\/comment NIL\)/,
    );
    await raw.close();
  } finally {
    await server.close();
  }
});

test('entries follow RENAME, go with DELETE and with the account; other users never see them', async () => {
  const alice = await login('alice');
  await alice.command('a', 'CREATE Projects/Nimbus');
  await alice.command('b', 'SETMETADATA Projects/Nimbus (/shared/comment "roadmap" /private/comment "mine")');
  expect(await alice.command('c', 'RENAME Projects Work')).toMatch(/^c OK/m);
  expect(await alice.command('d', 'GETMETADATA Work/Nimbus (/shared/comment /private/comment)')).toMatch(
    /\(\/shared\/comment "roadmap" \/private\/comment "mine"\)/,
  );
  const bob = await login('bob');
  expect(await bob.command('e', 'GETMETADATA Work/Nimbus /shared/comment')).toMatch(/^e NO \[NONEXISTENT\]/m);
  await bob.command('f', 'CREATE Work/Nimbus');
  expect(await bob.command('g', 'GETMETADATA Work/Nimbus /shared/comment')).toMatch(
    /\(\/shared\/comment NIL\)/,
  );
  const aliceId = await accountId('alice@meta.test');
  const box = await h.node.storage.db.query<{ id: string }>(
    `SELECT id FROM mailboxes WHERE account_id = $1 AND name = 'Work/Nimbus'`,
    [aliceId],
  );
  const mailboxId = Number(box.rows[0].id);
  expect(await rowCount('mailbox_id = $1', [mailboxId])).toBe(2);
  expect(await alice.command('h', 'DELETE Work/Nimbus')).toMatch(/^h OK/m);
  expect(await rowCount('mailbox_id = $1', [mailboxId])).toBe(0);
  await alice.command('i', 'CREATE Work/Nimbus');
  expect(await alice.command('j', 'GETMETADATA Work/Nimbus /shared/comment')).toMatch(
    /\(\/shared\/comment NIL\)/,
  );
  await Promise.all([alice.close(), bob.close()]);

  // Removing an account removes its entries, server and mailbox ones alike.
  const python = await login('python');
  await python.command('k', 'SETMETADATA "" (/private/x "1")');
  await python.command('l', 'SETMETADATA INBOX (/shared/x "1")');
  await python.close();
  const id = await accountId('python@meta.test');
  expect(await rowCount('account_id = $1', [id])).toBe(2);
  await h.node.admin({ op: 'user.remove', address: 'python@meta.test' });
  expect(await rowCount('account_id = $1', [id])).toBe(0);
  await addUser(h, 'python@meta.test', 'python-pw');
});

test('shared mailboxes (ACL): grantees with l and r/s/w/i/p see /shared and keep their own /private; w writes /shared', async () => {
  const alice = await login('alice');
  await alice.command('a', 'CREATE Team');
  await alice.command('b', 'SETMETADATA Team (/shared/comment "team box" /private/comment "alice only")');
  expect(await alice.command('c', 'SETACL Team bob@meta.test lr')).toMatch(/^c OK/m);
  expect(await alice.command('d', 'SETACL Team erin@meta.test l')).toMatch(/^d OK/m);
  const shared = '"Other Users/alice@meta.test/Team"';

  const bob = await login('bob');
  expect(await bob.command('e', `GETMETADATA ${shared} (/shared/comment /private/comment)`)).toBe(
    `* METADATA ${shared} (/shared/comment "team box" /private/comment NIL)\r\ne OK GETMETADATA completed\r\n`,
  );
  expect(await bob.command('f', `SETMETADATA ${shared} (/private/comment "bob only")`)).toMatch(/^f OK/m);
  // Writing /shared needs "w" as well (what every user of the mailbox sees, like flags).
  expect(await bob.command('g0', `SETMETADATA ${shared} (/shared/comment "edited by bob")`)).toMatch(
    /^g0 NO \[NOPERM\]/m,
  );
  await alice.command('g1', 'SETACL Team bob@meta.test +w');
  expect(await bob.command('g', `SETMETADATA ${shared} (/shared/comment "edited by bob")`)).toMatch(/^g OK/m);
  expect(await bob.command('h', `SETMETADATA ${shared} (/private/specialuse "\\\\Archive")`)).toMatch(
    /^h NO \[NOPERM\]/m,
  );
  expect(await alice.command('i', 'GETMETADATA Team (/shared/comment /private/comment)')).toMatch(
    /\(\/shared\/comment "edited by bob" \/private\/comment "alice only"\)/,
  );
  expect(await bob.command('j', `GETMETADATA ${shared} /private/comment`)).toMatch(/"bob only"/);

  // "l" alone: visible, so NOPERM; no right, or another domain: exactly like a missing mailbox.
  const erin = await login('erin');
  expect(await erin.command('k', `GETMETADATA ${shared} /shared/comment`)).toMatch(/^k NO \[NOPERM\]/m);
  const dave = await login('dave');
  expect(await dave.command('l', `GETMETADATA ${shared} /shared/comment`)).toMatch(/^l NO \[NONEXISTENT\]/m);
  expect(await dave.command('m', 'GETMETADATA "Other Users/alice@meta.test/Nope" /shared/comment')).toMatch(
    /^m NO \[NONEXISTENT\] Mailbox does not exist/m,
  );
  const carol = await login('carol@other.test');
  expect(await carol.command('n', `SETMETADATA ${shared} (/shared/comment "x")`)).toMatch(
    /^n NO \[NONEXISTENT\]/m,
  );
  await Promise.all([alice.close(), bob.close(), erin.close(), dave.close(), carol.close()]);
});

test('/private/specialuse reflects SPECIAL-USE and sets it (RFC 6154 §4)', async () => {
  const raw = await login('erin');
  await raw.command('a', 'CREATE Sent (USE (\\Sent))');
  expect(await raw.command('b', 'GETMETADATA Sent /private/specialuse')).toMatch(
    /^\* METADATA "Sent" \(\/private\/specialuse "\\\\Sent"\)/m,
  );
  expect(await raw.command('c', 'SETMETADATA Sent (/private/specialuse "\\\\Archive")')).toMatch(/^c OK/m);
  expect(await raw.command('d', 'LIST "" Sent')).toMatch(/^\* LIST \([^)]*\\Archive[^)]*\) "\/" "?Sent"?/m);
  expect(await raw.command('e', 'SETMETADATA Sent (/private/specialuse "\\\\Bogus")')).toMatch(
    /^e NO \[USEATTR\]/m,
  );
  expect(await raw.command('f', 'SETMETADATA Sent (/private/specialuse NIL)')).toMatch(/^f OK/m);
  expect(await raw.command('g', 'GETMETADATA Sent /private/specialuse')).toMatch(
    /\(\/private\/specialuse NIL\)/,
  );
  expect(await raw.command('h', 'LIST "" Sent')).not.toMatch(/\\Archive|\\Sent/);
  await raw.close();
});

test('a change is published on the Events port as kind metadata with its entry names', async () => {
  const id = await accountId('bob@meta.test');
  const seen: MailboxChange[] = [];
  const unsubscribe = h.node.storage.events.subscribe(id, (change) => {
    if (change.kind === 'metadata') seen.push(change);
  });
  try {
    const raw = await login('bob');
    await raw.command('a', 'SETMETADATA INBOX (/shared/comment "x" /private/comment "y")');
    await raw.command('b', 'SETMETADATA "" (/private/comment NIL)');
    await raw.close();
  } finally {
    unsubscribe();
  }
  const inbox = await h.node.storage.db.query<{ id: string }>(
    `SELECT id FROM mailboxes WHERE account_id = $1 AND name = 'INBOX'`,
    [id],
  );
  expect(seen).toEqual([
    {
      accountId: id,
      mailboxId: Number(inbox.rows[0].id),
      kind: 'metadata',
      entries: ['/shared/comment', '/private/comment'],
    },
    { accountId: id, mailboxId: 0, kind: 'metadata', entries: ['/private/comment'] },
  ]);
});

test('LIST-METADATA (RFC 9590): LIST RETURN (METADATA (…)) answers each listed mailbox, NIL when unset', async () => {
  const raw = await login('erin');
  await raw.command('a', 'CREATE Listed');
  await raw.command('b', 'SETMETADATA Listed (/shared/comment "listed" /private/color "red")');
  const out = await raw.command(
    'c',
    'LIST "" "Listed" RETURN (METADATA (/shared/comment /private/color /private/none))',
  );
  expect(out).toMatch(
    /^\* LIST \([^)]*\) "\/" "Listed"\r\n\* METADATA "Listed" \(\/shared\/comment "listed" \/private\/color "red" \/private\/none NIL\)\r\nc OK/m,
  );
  expect(await raw.command('d', 'LIST "" "Listed" RETURN (METADATA (/shared/bad/))')).toMatch(/^d BAD/m);
  expect(await raw.command('e', 'CAPABILITY')).toMatch(/ LIST-METADATA[ \r]/);
  await raw.close();
});

const SCRIPT = String.raw`
import imaplib, os, json
imaplib.Commands['GETMETADATA'] = ('AUTH', 'SELECTED')
imaplib.Commands['SETMETADATA'] = ('AUTH', 'SELECTED')
out = {}
M = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
M.login('python@meta.test', 'python-pw')
out['caps'] = [c for c in M.capability()[1][0].decode().split() if 'METADATA' in c]
typ, data = M._simple_command('GETMETADATA', '""', '/shared/admin')
out['admin'] = [typ, [d.decode() if isinstance(d, bytes) else d for d in M._untagged_response(typ, data, 'METADATA')[1]]]
typ, data = M._simple_command('SETMETADATA', 'INBOX', '(/private/comment "from python" /shared/lines {23+}\r\nfirst line\r\nsecond line)')
out['set'] = typ
typ, data = M._simple_command('GETMETADATA', 'INBOX', '/shared/lines')
out['lines'] = [[p.decode() for p in d] if isinstance(d, tuple) else d.decode() for d in M._untagged_response(typ, data, 'METADATA')[1]]
typ, data = M._simple_command('GETMETADATA', 'INBOX', '/private/comment')
meta = M._untagged_response(typ, data, 'METADATA')[1]
out['get'] = [typ, [[p.decode() for p in d] if isinstance(d, tuple) else d.decode() for d in meta]]
typ, data = M._simple_command('SETMETADATA', 'INBOX', '(/private/comment NIL)')
out['delete'] = typ
typ, data = M._simple_command('GETMETADATA', 'INBOX', '/private/comment')
out['after'] = [d.decode() for d in M._untagged_response(typ, data, 'METADATA')[1]]
M.logout()
print(json.dumps(out))
`;

test('Python imaplib: server admin entry, a literal value set, read and removed', async () => {
  const out = JSON.parse(await python(SCRIPT, { PORT: String(h.port) }));
  expect(out.caps).toEqual(['LIST-METADATA', 'METADATA', 'METADATA-SERVER']);
  expect(out.admin).toEqual(['OK', ['"" (/shared/admin "mailto:postmaster@imap.test.example")']]);
  expect(out.set).toBe('OK');
  expect(out.get).toEqual(['OK', ['"INBOX" (/private/comment "from python")']]);
  expect(out.lines).toEqual([['"INBOX" (/shared/lines {23}', 'first line\r\nsecond line'], ')']);
  expect(out.delete).toBe('OK');
  expect(out.after).toEqual(['"INBOX" (/private/comment NIL)']);
});
