/**
 * Sessions side by side: \Recent under EXAMINE, OK [HIGHESTMODSEQ] on the first
 * CONDSTORE-enabling command, FLAGS announced before a new keyword shows up, FETCH of
 * messages another session expunged, the per-user/per-address connection limits, and UIDONLY
 * (RFC 9586). Raw sockets for the exact wire, imapflow and Python imaplib for the main paths.
 */
import { addUser, client, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

let h: ImapHarness;
const raws: RawImap[] = [];
let users = 0;

/** A fresh account per test, so tests do not see each other's mailboxes. */
async function newUser(): Promise<{ user: string; pass: string }> {
  const user = `u${++users}@example.test`;
  await addUser(h, user, 'pw-' + users);
  return { user, pass: 'pw-' + users };
}

async function login(user: string, pass: string): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${user} ${pass}`)).toMatch(/L OK/);
  return r;
}

const msg = (subject: string, body = 'body'): string =>
  `Subject: ${subject}\r\nFrom: x@example.org\r\n\r\n${body}\r\n`;

async function append(r: RawImap, mailbox: string, text: string, flags = ''): Promise<string> {
  return r.command(
    'A',
    `APPEND ${mailbox} ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(text)}+}\r\n${text}`,
  );
}

beforeAll(async () => {
  h = await startImapHarness({ maxConnectionsPerUserIp: 3, maxConnectionsPerIp: 40 });
});

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => {
  await h.close();
});

describe('\\Recent and HIGHESTMODSEQ', () => {
  it('EXAMINE reports the recent count without claiming it; SELECT then claims it', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await append(r, 'INBOX', msg('one'));
    await append(r, 'INBOX', msg('two'));
    expect(await r.command('s1', 'STATUS INBOX (RECENT)')).toMatch(/\* STATUS "INBOX" \(RECENT 2\)/);
    const examine = await r.command('e1', 'EXAMINE INBOX');
    expect(examine).toMatch(/^\* 2 RECENT\r$/m);
    expect(examine).toMatch(/^e1 OK \[READ-ONLY\]/m);
    // EXAMINE did not claim them: a second EXAMINE and the SELECT still see both.
    expect(await r.command('e2', 'EXAMINE INBOX')).toMatch(/^\* 2 RECENT\r$/m);
    expect(await r.command('e3', 'SELECT INBOX')).toMatch(/^\* 2 RECENT\r$/m);
    expect(await r.command('e4', 'FETCH 1:2 FLAGS')).toMatch(/^\* 1 FETCH \(FLAGS \(\\Recent\)\)/m);
    // Claimed by the SELECT: later selections (read-only or not) see none.
    expect(await r.command('e5', 'EXAMINE INBOX')).toMatch(/^\* 0 RECENT\r$/m);
    expect(await r.command('e6', 'STATUS INBOX (RECENT)')).toMatch(/\(RECENT 0\)/);
  });

  it.each([
    ['FETCH 1 (MODSEQ)', /^\* 1 FETCH \(MODSEQ \(\d+\)\)/m],
    ['UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)', /FETCH/],
    ['SEARCH MODSEQ 1', /^\* SEARCH/m],
    ['STORE 1 (UNCHANGEDSINCE 1000) +FLAGS (\\Flagged)', /^\* 1 FETCH/m],
    ['ENABLE CONDSTORE', /^\* ENABLED CONDSTORE/m],
  ])('the first CONDSTORE-enabling command (%s) sends OK [HIGHESTMODSEQ] once', async (command, shows) => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await append(r, 'INBOX', msg('one'));
    await append(r, 'INBOX', msg('two'));
    const select = await r.command('s', 'SELECT INBOX');
    const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(select)![1]);
    const first = await r.command('c1', command);
    expect(first).toMatch(shows);
    const announced = /^\* OK \[HIGHESTMODSEQ (\d+)\][^\r]*\r\nc1 OK/m.exec(first);
    expect(announced).not.toBeNull();
    expect(Number(announced![1])).toBeGreaterThanOrEqual(highest);
    // Only the first: CONDSTORE is on now.
    expect(await r.command('c2', 'FETCH 1 (MODSEQ)')).not.toMatch(/HIGHESTMODSEQ/);
  });

  it('no HIGHESTMODSEQ when CONDSTORE is enabled outside a selected mailbox', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    expect(await r.command('c1', 'ENABLE CONDSTORE')).not.toMatch(/HIGHESTMODSEQ/);
  });
});

describe('new keywords', () => {
  it('announces FLAGS and PERMANENTFLAGS to every selecting session before a FETCH shows the keyword', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    await append(a, 'INBOX', msg('one'));
    await append(a, 'INBOX', msg('two'));
    const sel = await a.command('s', 'SELECT INBOX');
    expect(sel).not.toMatch(/\$Blue/);
    await b.command('s', 'SELECT INBOX');
    const stored = await a.command('k1', 'STORE 1 +FLAGS ($Blue)');
    expect(stored).toMatch(
      /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Forwarded \$MDNSent \$Junk \$NotJunk \$Blue\)\r\n\* OK \[PERMANENTFLAGS \([^)]*\$Blue \\\*\)\][^\r]*\r\n\* 1 FETCH \(FLAGS \(\$Blue \\Recent\)\)/m,
    );
    // The other session learns it at its next command, FLAGS first.
    const noop = await b.command('n1', 'NOOP');
    const flagsAt = noop.indexOf('* FLAGS (');
    const fetchAt = noop.indexOf('* 1 FETCH (FLAGS ($Blue))');
    expect(flagsAt).toBeGreaterThanOrEqual(0);
    expect(fetchAt).toBeGreaterThan(flagsAt);
    expect(noop).toMatch(/\$Blue\)\r\n\* OK \[PERMANENTFLAGS/);
    // Said once: the same keyword on another message needs no new FLAGS (case-insensitive too).
    expect(await a.command('k2', 'STORE 2 +FLAGS ($blue)')).not.toMatch(/\* FLAGS/);
    expect(await b.command('n2', 'NOOP')).not.toMatch(/\* FLAGS/);
  });

  it('a keyword that arrives with APPEND (or COPY) is announced before FETCH shows it; EXAMINE keeps PERMANENTFLAGS ()', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    await a.command('c', 'CREATE Other');
    await append(a, 'Other', msg('copied'), '$Copied');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'EXAMINE INBOX');
    await append(a, 'INBOX', msg('appended'), '$Green');
    const fetched = await a.command('f1', 'FETCH 1 FLAGS');
    expect(fetched).toMatch(
      /\* FLAGS \([^)]*\$Green\)\r\n\* OK \[PERMANENTFLAGS \([^)]*\$Green \\\*\)\][^\r]*\r\n/,
    );
    expect(fetched.indexOf('* FLAGS')).toBeLessThan(fetched.indexOf('* 1 FETCH'));
    await b.command('n', 'NOOP'); // EXISTS first: b's view has no message 1 yet
    const other = await b.command('f1', 'FETCH 1 FLAGS');
    expect(other).toMatch(/\* FLAGS \([^)]*\$Green\)\r\n\* OK \[PERMANENTFLAGS \(\)\]/);
    await a.command('s2', 'SELECT Other');
    expect(await a.command('cp', 'COPY 1 INBOX')).toMatch(/cp OK/);
    await a.command('s3', 'SELECT INBOX');
    // SELECT lists the keywords already present.
    await b.command('n2', 'NOOP');
    expect(await b.command('f2', 'FETCH 2 FLAGS')).toMatch(
      /\* FLAGS \([^)]*\$Copied\)[\s\S]*\* 2 FETCH \(FLAGS \(\$Copied\)\)/,
    );
  });

  it('Python imaplib records the FLAGS that announce a keyword it stored', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await append(r, 'INBOX', msg('one'));
    const out = await python(
      `
import imaplib, os
c = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
c.login(os.environ['U'], os.environ['P'])
c.select('INBOX')
print('before', c.response('FLAGS'))
print('store', c.store('1', '+FLAGS', '($Purple)'))
print('after', c.response('FLAGS'))
c.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    expect(out).toMatch(/^before .*\\Draft \$Forwarded \$MDNSent \$Junk \$NotJunk\)'\]\)$/m);
    expect(out).toMatch(/^store \('OK', \[b'1 \(FLAGS \(\$Purple \\\\Recent\)\)'\]\)$/m);
    expect(out).toMatch(/^after .*\$NotJunk \$Purple\)'\]\)$/m);
  });
});

describe('connection limits', () => {
  it('refuses the login beyond maxConnectionsPerUserIp with NO [LIMIT], not a BYE greeting', async () => {
    const { user, pass } = await newUser();
    const other = await newUser();
    const sessions = [await login(user, pass), await login(user, pass), await login(user, pass)];
    const extra = await RawImap.connect(h.port); // the greeting was an OK (connect() waits for it)
    raws.push(extra);
    const refused = await extra.command('L', `LOGIN ${user} ${pass}`);
    expect(refused).toMatch(/^L NO \[LIMIT\] Too many connections for this user from this address\r\n$/m);
    // Still connected and not authenticated; another account from the same address logs in.
    expect(await extra.command('c', 'CAPABILITY')).toMatch(/c OK/);
    expect(await extra.command('L2', `LOGIN ${other.user} ${other.pass}`)).toMatch(/L2 OK/);
    // A slot is freed when a session ends.
    await sessions[0].command('o', 'LOGOUT');
    const again = await RawImap.connect(h.port);
    raws.push(again);
    let answer = '';
    for (let i = 0; i < 50; i++) {
      answer = await again.command('L' + i, `LOGIN ${user} ${pass}`);
      if (/OK/.test(answer)) break;
      await new Promise((r) => setTimeout(r, 20)); // the server notices the close asynchronously
    }
    expect(answer).toMatch(/ OK /);
  });

  it('Python imaplib gets the [LIMIT] refusal as an error it can read', async () => {
    const { user, pass } = await newUser();
    const out = await python(
      `
import imaplib, os
port = int(os.environ['PORT'])
held = []
for i in range(3):
    c = imaplib.IMAP4('127.0.0.1', port)
    c.login(os.environ['U'], os.environ['P'])
    held.append(c)
c = imaplib.IMAP4('127.0.0.1', port)
try:
    c.login(os.environ['U'], os.environ['P'])
    print('logged in')
except imaplib.IMAP4.error as e:
    print('refused', e)
for c in held:
    c.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    expect(out).toMatch(/refused .*\[LIMIT\] Too many connections for this user/);
  });
});
