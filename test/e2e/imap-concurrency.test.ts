/**
 * Sessions side by side: \Recent under EXAMINE, OK [HIGHESTMODSEQ] on the first
 * CONDSTORE-enabling command, FLAGS announced before a new keyword shows up, FETCH of
 * messages another session expunged, the per-user/per-address connection limits, and UIDONLY
 * (RFC 9586). Raw sockets for the exact wire, imapflow and Python imaplib for the main paths.
 */
import net from 'node:net';
import fc from 'fast-check';
import { collectGarbage } from '../../core/store/blob-refs';
import { releaseExpiredHolds } from '../../core/store/expunge-retention';
import {
  addUser,
  client,
  python,
  RawImap,
  startImapHarness,
  type ImapHarness,
  testMessage,
} from './imap-harness';

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

const msg = testMessage;

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
    await r.append('INBOX', msg('one'));
    await r.append('INBOX', msg('two'));
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
    ['ENABLE QRESYNC', /^\* ENABLED QRESYNC/m],
    ['STATUS INBOX (HIGHESTMODSEQ)', /^\* STATUS "INBOX" \(HIGHESTMODSEQ \d+\)/m],
  ])('the first CONDSTORE-enabling command (%s) sends OK [HIGHESTMODSEQ] once', async (command, shows) => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await r.append('INBOX', msg('one'));
    await r.append('INBOX', msg('two'));
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

  it('Python imaplib: EXAMINE counts RECENT, the first FETCH MODSEQ brings HIGHESTMODSEQ', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await r.append('INBOX', msg('one'));
    await r.append('INBOX', msg('two'));
    const out = await python(
      `
import imaplib, os
c = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
c.login(os.environ['U'], os.environ['P'])
c.select('INBOX', readonly=True)
print('recent', c.response('RECENT'))
c.select('INBOX')
print('before', c.response('HIGHESTMODSEQ'))
print('fetch', c.fetch('1', '(MODSEQ)')[0])
print('after', c.response('HIGHESTMODSEQ'))
c.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    expect(out).toMatch(/^recent \('RECENT', \[b'2'\]\)$/m);
    expect(out).toMatch(/^fetch OK$/m);
    expect(out).toMatch(/^after \('HIGHESTMODSEQ', \[b'\d+'\]\)$/m);
  });

  it('no HIGHESTMODSEQ when CONDSTORE is enabled outside a selected mailbox', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    expect(await r.command('c1', 'ENABLE CONDSTORE')).not.toMatch(/HIGHESTMODSEQ/);
  });
});

describe('\\Recent in the session that holds it (RFC 3501 §2.3.2)', () => {
  it('STATUS RECENT of the selected mailbox counts what this session holds; other sessions see 0', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    const c = await login(user, pass);
    await c.append('INBOX', msg('one'));
    await c.append('INBOX', msg('two'));
    // EXAMINE claims nothing, but the unclaimed messages are \Recent in its view.
    expect(await b.command('e', 'EXAMINE INBOX')).toMatch(/^\* 2 RECENT\r$/m);
    expect(await b.command('f1', 'FETCH 1:2 FLAGS')).toMatch(
      /^\* 1 FETCH \(FLAGS \(\\Recent\)\)\r\n\* 2 FETCH \(FLAGS \(\\Recent\)\)\r\nf1 OK/m,
    );
    expect(await b.command('s1', 'STATUS INBOX (RECENT)')).toMatch(/^\* STATUS "INBOX" \(RECENT 2\)\r$/m);
    // SELECT claims them: the selecting session still counts them, an unselected one does not.
    expect(await a.command('s', 'SELECT INBOX')).toMatch(/^\* 2 RECENT\r$/m);
    expect(await a.command('s2', 'STATUS INBOX (MESSAGES RECENT UNSEEN)')).toMatch(
      /^\* STATUS "INBOX" \(MESSAGES 2 RECENT 2 UNSEEN 2\)\r$/m,
    );
    expect(await c.command('s3', 'STATUS INBOX (RECENT)')).toMatch(/^\* STATUS "INBOX" \(RECENT 0\)\r$/m);
    // The EXAMINE session was told first, so they stay \Recent in its view.
    expect(await b.command('s4', 'STATUS INBOX (RECENT)')).toMatch(/^\* STATUS "INBOX" \(RECENT 2\)\r$/m);
    // A new arrival: unclaimed, so every session counts it until one SELECT session claims it.
    await c.append('INBOX', msg('three'));
    expect(await c.command('s5', 'STATUS INBOX (RECENT)')).toMatch(/\(RECENT 1\)/);
    expect(await b.command('n1', 'NOOP')).toMatch(/^\* 3 EXISTS\r\n\* 3 RECENT\r\n/m);
    // STATUS answers before the report that follows it claims the arrival.
    expect(await a.command('s6', 'STATUS INBOX (RECENT)')).toMatch(
      /^\* STATUS "INBOX" \(RECENT 3\)\r\n\* 3 EXISTS\r\n\* 3 RECENT\r\ns6 OK/m,
    );
    expect(await a.command('s7', 'STATUS INBOX (RECENT)')).toMatch(/\(RECENT 3\)/);
    expect(await c.command('s8', 'STATUS INBOX (RECENT)')).toMatch(/\(RECENT 0\)/);
    // Claimed by the SELECT session before the EXAMINE session heard of it: not \Recent there.
    await c.append('INBOX', msg('four'));
    expect(await a.command('n3', 'NOOP')).toMatch(/^\* 4 EXISTS\r\n\* 4 RECENT\r\n/m);
    expect(await b.command('n4', 'NOOP')).toMatch(/^\* 4 EXISTS\r\n\* 3 RECENT\r\n/m);
    expect(await b.command('f2', 'FETCH 3:4 FLAGS')).toMatch(
      /^\* 3 FETCH \(FLAGS \(\\Recent\)\)\r\n\* 4 FETCH \(FLAGS \(\)\)\r\nf2 OK/m,
    );
    // An expunged message no longer counts.
    await a.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await a.command('x', 'EXPUNGE');
    expect(await a.command('s9', 'STATUS INBOX (MESSAGES RECENT)')).toMatch(/\(MESSAGES 3 RECENT 3\)/);
  });

  it('Python imaplib: STATUS RECENT of the selected mailbox and \\Recent after EXAMINE', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await r.append('INBOX', msg('one'));
    await r.append('INBOX', msg('two'));
    const out = await python(
      `
import imaplib, os
c = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
c.login(os.environ['U'], os.environ['P'])
c.select('INBOX', readonly=True)
print('examine', c.fetch('1', '(FLAGS)')[1])
c.select('INBOX')
print('status', c.status('INBOX', '(RECENT)')[1])
c.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    expect(out).toMatch(/^examine \[b'1 \(FLAGS \(\\\\Recent\)\)'\]$/m);
    expect(out).toMatch(/^status \[b'"INBOX" \(RECENT 2\)'\]$/m);
  });
});

describe('HIGHESTMODSEQ in the tagged OK of a command that reported expunges (QRESYNC)', () => {
  async function qresyncInbox(user: string, pass: string): Promise<RawImap> {
    const r = await login(user, pass);
    expect(await r.command('q', 'ENABLE QRESYNC')).toMatch(/^\* ENABLED QRESYNC/m);
    await r.command('s', 'SELECT INBOX');
    return r;
  }
  const highest = async (r: RawImap): Promise<number> =>
    Number(/HIGHESTMODSEQ (\d+)/.exec(await r.command('h', 'STATUS INBOX (HIGHESTMODSEQ)'))![1]);

  it('EXPUNGE, UID EXPUNGE and MOVE end with OK [HIGHESTMODSEQ n]; nothing expunged, plain OK', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    for (const s of ['1', '2', '3', '4', '5']) await r.append('INBOX', msg(s));
    await r.command('c', 'CREATE Dest');
    const a = await qresyncInbox(user, pass);
    expect(await a.command('x0', 'EXPUNGE')).toMatch(/^x0 OK EXPUNGE completed\r$/m);
    await a.command('d1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    const expunged = await a.command('x1', 'EXPUNGE');
    const x1 = /^\* VANISHED 1\r\nx1 OK \[HIGHESTMODSEQ (\d+)\] /m.exec(expunged);
    expect(x1).not.toBeNull();
    expect(Number(x1![1])).toBe(await highest(a));
    await a.command('d2', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
    const uidExpunged = await a.command('x2', 'UID EXPUNGE 3');
    const x2 = /^\* VANISHED 3\r\nx2 OK \[HIGHESTMODSEQ (\d+)\] /m.exec(uidExpunged);
    expect(Number(x2![1])).toBeGreaterThan(Number(x1![1]));
    expect(Number(x2![1])).toBe(await highest(a));
    const moved = await a.command('m', 'UID MOVE 4 Dest');
    const m = /^\* VANISHED 4\r\nm OK \[HIGHESTMODSEQ (\d+)\] /m.exec(moved);
    expect(moved).toMatch(/^\* OK \[COPYUID \d+ 4 1\]/m);
    expect(Number(m![1])).toBe(await highest(a));
    // Without QRESYNC (CONDSTORE only) the RFC asks for nothing: EXPUNGE responses, plain OK.
    const b = await login(user, pass);
    await b.command('s', 'SELECT INBOX (CONDSTORE)');
    await b.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await b.command('x', 'EXPUNGE')).toMatch(/^\* 1 EXPUNGE\r\nx OK EXPUNGE completed\r$/m);
  });

  it("a NOOP that reports another session's MOVE ends with it too; one that reports none does not", async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    for (const s of ['1', '2', '3']) await r.append('INBOX', msg(s));
    await r.command('c', 'CREATE Dest');
    const a = await qresyncInbox(user, pass);
    const b = await qresyncInbox(user, pass);
    expect(await a.command('m', 'MOVE 2 Dest')).toMatch(/^m OK \[HIGHESTMODSEQ \d+\]/m);
    const noop = await b.command('n1', 'NOOP');
    const n = /^\* VANISHED 2\r\nn1 OK \[HIGHESTMODSEQ (\d+)\] /m.exec(noop);
    expect(n).not.toBeNull();
    expect(Number(n![1])).toBe(await highest(b));
    expect(await b.command('n2', 'NOOP')).toMatch(/^n2 OK NOOP completed\r$/m);
    // A flag change alone brings no HIGHESTMODSEQ to the tagged OK.
    await a.command('f', 'STORE 1 +FLAGS (\\Flagged)');
    expect(await b.command('n3', 'NOOP')).toMatch(
      /^\* 1 FETCH \(FLAGS \(\\Flagged\) UID 1 MODSEQ \(\d+\)\)\r\nn3 OK NOOP/m,
    );
  });

  it('Python imaplib reads the HIGHESTMODSEQ of an EXPUNGE', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await r.append('INBOX', msg('one'), '\\Deleted');
    await r.append('INBOX', msg('two'));
    const out = await python(
      `
import imaplib, os
c = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
c.login(os.environ['U'], os.environ['P'])
c.enable('QRESYNC')
c.select('INBOX')
c.response('HIGHESTMODSEQ')
print('expunge', c.expunge()[0], c.response('VANISHED'), c.response('HIGHESTMODSEQ'))
print('status', c.status('INBOX', '(HIGHESTMODSEQ)')[1])
c.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    const m = /^expunge OK \('VANISHED', \[b'1'\]\) \('HIGHESTMODSEQ', \[b'(\d+)'\]\)$/m.exec(out);
    expect(m).not.toBeNull();
    expect(out).toContain(`status [b'"INBOX" (HIGHESTMODSEQ ${m![1]})']`);
  });
});

describe('new keywords', () => {
  it('announces FLAGS and PERMANENTFLAGS to every selecting session before a FETCH shows the keyword', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    await a.append('INBOX', msg('one'));
    await a.append('INBOX', msg('two'));
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

  it('a session in IDLE gets FLAGS before the pushed FETCH that shows a new keyword', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    await b.append('INBOX', msg('one'));
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    a.write('i IDLE\r\n');
    await a.until(/^\+ /m);
    a.take();
    await b.command('k', 'STORE 1 +FLAGS ($Idle)');
    const pushed = await a.until(/^\* 1 FETCH \(FLAGS \(\$Idle/m);
    expect(pushed).toMatch(
      /^\* FLAGS \([^)]*\$Idle\)\r\n\* OK \[PERMANENTFLAGS \([^)]*\$Idle \\\*\)\][^\r]*\r\n\* 1 FETCH/m,
    );
    a.write('DONE\r\n');
    expect(await a.tagged('i')).toMatch(/^i OK/m);
  });

  it('a keyword that arrives with APPEND (or COPY) is announced with the EXISTS, before FETCH shows it; EXAMINE keeps PERMANENTFLAGS ()', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    const c = await login(user, pass);
    await a.command('c', 'CREATE Other');
    await a.append('Other', msg('copied'), '$Copied');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'EXAMINE INBOX');
    // The appending session itself: FLAGS and PERMANENTFLAGS come before the EXISTS.
    const appended = await a.append('INBOX', msg('appended'), '$Green');
    expect(appended).toMatch(
      /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Forwarded \$MDNSent \$Junk \$NotJunk \$Green\)\r\n\* OK \[PERMANENTFLAGS \([^)]*\$Green \\\*\)\][^\r]*\r\n\* 1 EXISTS\r\n/m,
    );
    expect(await a.command('f1', 'FETCH 1 FLAGS')).toMatch(
      /^\* 1 FETCH \(FLAGS \(\$Green \\Recent\)\)\r\nf1 OK/m,
    );
    // Another session (read-only): FLAGS and PERMANENTFLAGS () before its EXISTS.
    expect(await b.command('n', 'NOOP')).toMatch(
      /^\* FLAGS \([^)]*\$Green\)\r\n\* OK \[PERMANENTFLAGS \(\)\][^\r]*\r\n\* 1 EXISTS\r\n/m,
    );
    expect(await b.command('f1', 'FETCH 1 FLAGS')).not.toMatch(/\* FLAGS/);
    // An APPEND by a session that has nothing selected reaches the selecting sessions the same way.
    await c.append('INBOX', msg('from c'), '$Blue');
    expect(await a.command('n1', 'NOOP')).toMatch(
      /^\* FLAGS \([^)]*\$Green \$Blue\)\r\n\* OK \[PERMANENTFLAGS \([^)]*\$Blue \\\*\)\][^\r]*\r\n\* 2 EXISTS\r\n/m,
    );
    // COPY from another mailbox, as APPEND.
    await a.command('s2', 'SELECT Other');
    expect(await a.command('cp', 'COPY 1 INBOX')).toMatch(/cp OK/);
    const noop = await b.command('n2', 'NOOP');
    expect(noop).toMatch(
      /^\* FLAGS \([^)]*\$Blue \$Copied\)\r\n\* OK \[PERMANENTFLAGS \(\)\][^\r]*\r\n\* 3 EXISTS/m,
    );
    expect(await b.command('f2', 'FETCH 3 FLAGS')).toMatch(
      /^\* 3 FETCH \(FLAGS \(\$Copied \\Recent\)\)\r\nf2 OK/m,
    );
    // A keyword already announced is not announced again.
    await c.append('INBOX', msg('again'), '$green');
    expect(await b.command('n3', 'NOOP')).not.toMatch(/\* FLAGS/);
  });

  it('Python imaplib records the FLAGS that announce a keyword it stored', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    await r.append('INBOX', msg('one'));
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

  it('beyond maxConnectionsPerIp (a separate, higher limit) the greeting itself is a BYE', async () => {
    for (let i = 0; i < 200 && h.imap.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(h.imap.sessionCount).toBe(0); // earlier tests' sockets are gone
    for (let i = 0; i < 40; i++) raws.push(await RawImap.connect(h.port)); // each got an OK greeting
    const socket = net.connect(h.port, '127.0.0.1');
    const greeting = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(greeting).toBe('* BYE Too many connections, try again later\r\n');
    // Leave no slots taken for the next test.
    for (const r of raws.splice(0)) await r.close();
    for (let i = 0; i < 200 && h.imap.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
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

describe('FETCH of messages expunged by another session', () => {
  async function twoSessions(): Promise<{ a: RawImap; b: RawImap; user: string; pass: string }> {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    for (const n of [1, 2, 3])
      await a.append('INBOX', msg(`m${n}`, `body of m${n} for ${user}`), n === 2 ? '$Two' : '');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    await b.command('d', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    await b.command('x', 'EXPUNGE');
    return { a, b, user, pass };
  }

  async function accountId(user: string): Promise<number> {
    const row = await h.node.storage.db.query<{ id: string }>(`SELECT id FROM accounts WHERE address = $1`, [
      user,
    ]);
    return Number(row.rows[0].id);
  }

  it('keeps serving the data (flags as last known, envelope, body) until the expunge is reported', async () => {
    const { a } = await twoSessions();
    const fetched = await a.command('f1', 'FETCH 2 (UID FLAGS ENVELOPE RFC822.SIZE BODY[TEXT])');
    expect(fetched).toMatch(
      /^\* 2 FETCH \(UID 2 FLAGS \(\$Two \\Deleted \\Recent\) ENVELOPE \([^\r]*"m2"[^\r]*\) RFC822\.SIZE \d+ BODY\[TEXT\] \{\d+\}\r\nbody of m2 for u\d+@example\.test\r\n\)/m,
    );
    expect(fetched).toMatch(/^f1 OK FETCH completed/m);
    expect(fetched).not.toMatch(/EXPUNGE/);
    // A range over it, and a non-PEEK body fetch (which cannot set \Seen on a gone message).
    const range = await a.command('f2', 'FETCH 1:3 (FLAGS BODY[])');
    expect(range.match(/^\* \d FETCH/gm)).toHaveLength(3);
    expect(range).toMatch(/^f2 OK/m);
    // STORE cannot change it: the echo shows the last known flags, and .SILENT shows nothing.
    const stored = await a.command('t1', 'STORE 2 +FLAGS (\\Flagged)');
    expect(stored).toMatch(/^\* 2 FETCH \(FLAGS \(\$Two \\Deleted \\Recent\)\)\r\nt1 OK/m);
    expect(await a.command('t2', 'STORE 2 +FLAGS.SILENT (\\Flagged)')).toMatch(/^t2 OK/);
    // The next command that may report it does; then sequence numbers move.
    const noop = await a.command('n', 'NOOP');
    expect(noop).toMatch(/^\* 2 EXPUNGE\r$/m);
    expect(await a.command('f3', 'FETCH 2 (UID)')).toMatch(/^\* 2 FETCH \(UID 3\)/m);
  });

  it('under concurrent expunges every FETCH of the whole view answers OK with every message', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    const total = 12;
    for (let n = 1; n <= total; n++) await b.append('INBOX', msg(`c${n}`, `load ${n} ${user}`));
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    const expunger = (async () => {
      for (let uid = 1; uid <= total; uid += 2) {
        await b.command('d', `UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
        await b.command('x', `UID EXPUNGE ${uid}`);
      }
    })();
    const answers: string[] = [];
    for (let i = 0; i < 6; i++)
      answers.push(await a.command(`f${i}`, 'FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])'));
    await expunger;
    answers.push(await a.command('last', 'FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])'));
    for (const answer of answers) {
      expect(answer).toMatch(/^(f\d|last) OK FETCH completed/m);
      // Every message A still shows is served (unsolicited FLAGS updates may come on top).
      expect(answer.match(/^\* \d+ FETCH \(FLAGS \([^)]*\) BODY\[HEADER/gm)).toHaveLength(total);
      expect(answer).not.toMatch(/EXPUNGE/);
    }
    const noop = await a.command('n', 'NOOP');
    expect(noop.match(/^\* \d+ EXPUNGE\r$/gm)).toHaveLength(total / 2);
    expect(await a.command('f', 'FETCH 1:* (UID)')).toMatch(
      new RegExp(`^\\* ${total / 2} FETCH \\(UID ${total}\\)\r\nf OK`, 'm'),
    );
  });

  it('UID FETCH serves it too, then reports the expunge (VANISHED with QRESYNC)', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    const b = await login(user, pass);
    for (const n of [1, 2]) await a.append('INBOX', msg(`m${n}`));
    await a.command('e', 'ENABLE QRESYNC');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    await b.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.command('x', 'EXPUNGE');
    const fetched = await a.command('f', 'UID FETCH 1:2 (FLAGS)');
    expect(fetched).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\\Deleted \\Recent\)\)\r\n\* 2 FETCH/m);
    expect(fetched).toMatch(/^\* VANISHED 1\r\nf OK/m);
  });

  it('releases quota at expunge time, holds the blob for the retention, then frees it', async () => {
    const { a, user } = await twoSessions();
    const db = h.node.storage.db;
    const id = await accountId(user);
    const used = await db.query<{ used_bytes: string }>(`SELECT used_bytes FROM accounts WHERE id = $1`, [
      id,
    ]);
    const sizes = await db.query<{ total: string }>(
      `SELECT sum(size) AS total FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id WHERE x.account_id = $1`,
      [id],
    );
    expect(Number(used.rows[0].used_bytes)).toBe(Number(sizes.rows[0].total)); // the expunged one no longer counts
    const held = await db.query<{ blob_key: string }>(
      `SELECT e.blob_key FROM expunged_messages e JOIN mailboxes x ON x.id = e.mailbox_id
       WHERE x.account_id = $1 AND e.uid = 2`,
      [id],
    );
    const key = held.rows[0].blob_key;
    expect(key).toBeTruthy();
    const refcount = async (): Promise<number | null> => {
      const row = await db.query<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = $1`, [key]);
      return row.rows[0] ? Number(row.rows[0].refcount) : null;
    };
    expect(await refcount()).toBe(1); // the hold
    // Retention over (as if an hour had passed): the hold goes, FETCH gives up, the blob is collected.
    await db.query(
      `UPDATE expunge_blob_holds SET held_until = now() - interval '1 second' WHERE blob_key = $1`,
      [key],
    );
    await db.query(
      `UPDATE expunged_messages SET retained_until = now() - interval '1 second' WHERE blob_key = $1`,
      [key],
    );
    expect(await releaseExpiredHolds(db)).toBeGreaterThanOrEqual(1);
    expect(await refcount()).toBe(0);
    const gone = await db.query(`SELECT 1 FROM expunged_messages WHERE blob_key = $1`, [key]);
    expect(gone.rows).toHaveLength(0);
    expect(await a.command('f', 'FETCH 2 (FLAGS)')).toMatch(/^f NO \[EXPUNGEISSUED\]/m);
    await collectGarbage(db, h.node.storage.blobs, { graceSeconds: 0 });
    expect(await refcount()).toBeNull();
    expect(await h.node.storage.blobs.exists(key)).toBe(false);
  });

  it('deleting the mailbox afterwards does not leak the held blob', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    await a.command('c', 'CREATE Gone');
    await a.append('Gone', msg('gone', `leak check ${user}`));
    await a.command('s', 'SELECT Gone');
    await a.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await a.command('x', 'EXPUNGE');
    const db = h.node.storage.db;
    const held = await db.query<{ blob_key: string }>(
      `SELECT e.blob_key FROM expunged_messages e JOIN mailboxes m ON m.id = e.mailbox_id
       WHERE m.account_id = $1 AND m.name = 'Gone'`,
      [await accountId(user)],
    );
    const key = held.rows[0].blob_key;
    await a.command('u', 'UNSELECT');
    expect(await a.command('del', 'DELETE Gone')).toMatch(/del OK/);
    const refcount = async (): Promise<number> =>
      Number(
        (await db.query<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = $1`, [key])).rows[0]
          .refcount,
      );
    expect(await refcount()).toBe(1); // the hold survives the cascade
    await db.query(
      `UPDATE expunge_blob_holds SET held_until = now() - interval '1 second' WHERE blob_key = $1`,
      [key],
    );
    await releaseExpiredHolds(db);
    expect(await refcount()).toBe(0);
  });

  it('a POP3 deletion (MailboxStore.expunge) is retained the same way', async () => {
    const { user, pass } = await newUser();
    const a = await login(user, pass);
    for (const n of [1, 2]) await a.append('INBOX', msg(`p${n}`, `pop ${n} ${user}`));
    await a.command('s', 'SELECT INBOX');
    const id = await accountId(user);
    const inbox = await h.node.mailboxes.getMailbox(id, 'INBOX');
    expect(await h.node.mailboxes.expunge(id, inbox!.id, [1])).toEqual([1]);
    const fetched = await a.command('f', 'FETCH 1 (BODY.PEEK[TEXT])');
    expect(fetched).toMatch(/^\* 1 FETCH \(BODY\[TEXT\] \{\d+\}\r\npop 1 /m);
    expect(fetched).toMatch(/^f OK/m);
    expect(await a.command('n', 'NOOP')).toMatch(/^\* 1 EXPUNGE\r$/m);
  });

  it('imapflow and Python imaplib read a message another session has just expunged', async () => {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    for (const n of [1, 2]) await r.append('INBOX', msg(`m${n}`, `text ${n}`));
    const c = client(h, user, pass);
    await c.connect();
    try {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await r.command('s', 'SELECT INBOX');
        await r.command('d', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
        await r.command('x', 'EXPUNGE');
        const message = await c.fetchOne('2', { source: true, envelope: true });
        expect(message && message.envelope?.subject).toBe('m2');
        expect(message && message.source?.toString()).toContain('text 2');
      } finally {
        lock.release();
      }
    } finally {
      await c.logout();
    }
    const out = await python(
      `
import imaplib, os
a = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
a.login(os.environ['U'], os.environ['P'])
a.select('INBOX')
b = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
b.login(os.environ['U'], os.environ['P'])
b.select('INBOX')
b.store('1', '+FLAGS', '(\\\\Deleted)')
b.expunge()
typ, data = a.fetch('1', '(RFC822)')
print(typ, data[0][1].decode().splitlines()[0])
print('noop', a.noop(), a.response('EXPUNGE'))
a.logout()
b.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    expect(out).toMatch(/^OK Subject: m1$/m);
    expect(out).toMatch(/^noop .*\('EXPUNGE', \[b'1'\]\)$/m);
  });
});

describe('UIDONLY (RFC 9586)', () => {
  async function uidonly(): Promise<{ r: RawImap; user: string; pass: string }> {
    const { user, pass } = await newUser();
    const r = await login(user, pass);
    for (const n of [1, 2, 3]) await r.append('INBOX', msg(`m${n}`));
    expect(await r.command('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .* UIDONLY[ \r]/m);
    expect(await r.command('e', 'ENABLE UIDONLY')).toMatch(/^\* ENABLED UIDONLY\r\ne OK/m);
    return { r, user, pass };
  }

  it('refuses sequence numbers with BAD [UIDREQUIRED], in commands and in search keys', async () => {
    const { r } = await uidonly();
    const select = await r.command('s', 'SELECT INBOX');
    expect(select).not.toMatch(/\[UNSEEN/); // a sequence number
    await r.command('c0', 'CREATE Other');
    for (const command of [
      'FETCH 1 (FLAGS)',
      'STORE 1 +FLAGS (\\Seen)',
      'COPY 1 Other',
      'MOVE 1 Other',
      'SEARCH ALL',
      'SORT (DATE) UTF-8 ALL',
      'THREAD REFERENCES UTF-8 ALL',
      'UID SEARCH 1:2',
      'UID SEARCH NOT 2',
    ]) {
      expect(await r.command('b', command)).toMatch(/^b BAD \[UIDREQUIRED\] /m);
    }
    expect(await r.command('u1', 'UID SEARCH UID 2:*')).toMatch(/^\* SEARCH 2 3\r\nu1 OK/m);
    expect(await r.command('u2', 'UID SEARCH RETURN (SAVE) UID 1')).toMatch(/u2 OK/);
    expect(await r.command('u3', 'UID SEARCH $')).toMatch(/^\* SEARCH 1\r\nu3 OK/m);
    // QRESYNC's seq-match-data is made of sequence numbers too.
    await r.command('q', 'ENABLE QRESYNC');
    expect(await r.command('sq', 'SELECT INBOX (QRESYNC (1 1 1:3 (1:3 1:3)))')).toMatch(
      /^sq BAD \[UIDREQUIRED\]/m,
    );
    expect(await r.command('sq2', 'SELECT INBOX (QRESYNC (1 1 1:3))')).toMatch(/^sq2 OK/m);
    expect(await r.command('n', 'NOOP')).toMatch(/^n OK/m); // not counted as fatal
  });

  it('answers UID FETCH / UID STORE with UIDFETCH and reports changes by UID (UIDFETCH, VANISHED)', async () => {
    const { r, user, pass } = await uidonly();
    await r.command('s', 'SELECT INBOX');
    const fetched = await r.command('f', 'UID FETCH 2:3 (FLAGS RFC822.SIZE)');
    expect(fetched).toMatch(
      /^\* 2 UIDFETCH \(FLAGS \(\\Recent\) RFC822\.SIZE \d+\)\r\n\* 3 UIDFETCH \(FLAGS/m,
    );
    expect(fetched).not.toMatch(/^\* \d+ FETCH/m);
    expect(await r.command('f2', 'UID FETCH 1 (UID ENVELOPE)')).toMatch(
      /^\* 1 UIDFETCH \(UID 1 ENVELOPE \(/m,
    );
    expect(await r.command('t', 'UID STORE 3 +FLAGS (\\Seen)')).toMatch(
      /^\* 3 UIDFETCH \(FLAGS \(\\Seen \\Recent\)\)\r\nt OK/m,
    );
    const other = await login(user, pass);
    await other.command('s', 'SELECT INBOX');
    await other.command('t', 'UID STORE 1 +FLAGS.SILENT (\\Flagged)');
    await other.command('d', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
    await other.command('x', 'UID EXPUNGE 2');
    const noop = await r.command('n', 'NOOP');
    expect(noop).toMatch(/^\* VANISHED 2\r$/m);
    expect(noop).toMatch(/^\* 1 UIDFETCH \(FLAGS \(\\Flagged \\Recent\)\)\r$/m);
    expect(noop).not.toMatch(/EXPUNGE|\* \d+ FETCH/);
    // Plain EXPUNGE names no messages, so it stays allowed; CONDSTORE adds MODSEQ to UIDFETCH.
    await r.command('d2', 'UID STORE 3 +FLAGS.SILENT (\\Deleted)');
    expect(await r.command('x2', 'EXPUNGE')).toMatch(/^\* VANISHED 3\r\nx2 OK/m);
    expect(await r.command('m', 'UID FETCH 1 (MODSEQ)')).toMatch(/^\* 1 UIDFETCH \(MODSEQ \(\d+\)\)/m);
  });

  it('property: under UIDONLY every sequence-number command is BAD [UIDREQUIRED], every UID form is not', async () => {
    const { r } = await uidonly();
    await r.command('s', 'SELECT INBOX');
    await r.command('c', 'CREATE Target');
    const number = fc.oneof(fc.integer({ min: 1, max: 5 }).map(String), fc.constant('*'));
    const set = fc
      .array(fc.tuple(number, fc.option(number, { nil: undefined })), { minLength: 1, maxLength: 3 })
      .map((ranges) => ranges.map(([a, b]) => (b ? `${a}:${b}` : a)).join(','));
    const command = fc.tuple(
      fc.constantFrom(
        (x: string) => `FETCH ${x} (FLAGS)`,
        (x: string) => `STORE ${x} +FLAGS.SILENT ($P)`,
        (x: string) => `COPY ${x} Target`,
        (x: string) => `SEARCH UID ${x}`,
        (x: string) => `SORT (ARRIVAL) UTF-8 UID ${x}`,
      ),
      set,
      fc.boolean(),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(command, async ([make, x, withUid]) => {
        const tag = `p${++n}`;
        const answer = await r.command(tag, `${withUid ? 'UID ' : ''}${make(x)}`);
        if (withUid) expect(answer).toMatch(new RegExp(`^${tag} OK`, 'm'));
        else expect(answer).toMatch(new RegExp(`^${tag} BAD \\[UIDREQUIRED\\]`, 'm'));
        expect(answer).not.toMatch(/^\* \d+ (FETCH|EXPUNGE)/m);
      }),
      { seed: 20261203, numRuns: 15 },
    );
    expect(await r.command('n', 'NOOP')).toMatch(/^n OK/m);
  });

  it('Python imaplib reads UIDFETCH responses and gets UIDREQUIRED for FETCH', async () => {
    const { user, pass } = await uidonly();
    const out = await python(
      `
import imaplib, os
c = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
c.login(os.environ['U'], os.environ['P'])
print('enable', c.enable('UIDONLY'))
c.select('INBOX')
typ, _ = c.uid('FETCH', '1:*', '(FLAGS)')
print('uid fetch', typ, c.response('UIDFETCH'))
try:
    c.fetch('1', '(FLAGS)')
except imaplib.IMAP4.error as e:
    print('refused', e)
c.logout()
`,
      { PORT: String(h.port), U: user, P: pass },
    );
    expect(out).toMatch(/^enable \('OK', /m);
    expect(out).toMatch(
      /^uid fetch OK \('UIDFETCH', \[b'1 \(FLAGS \(\\\\Recent\)\)', b'2 \(FLAGS \(\\\\Recent\)\)', b'3 \(FLAGS \(\\\\Recent\)\)'\]\)$/m,
    );
    expect(out).toMatch(/^refused .*\[UIDREQUIRED\]/m);
  });
});

describe('APPEND and EXPUNGE in the same mailbox at once', () => {
  // Both take the account row, then the mailbox row (migration 107): on PostgreSQL the opposite
  // order in EXPUNGE could deadlock with an APPEND, and one of them failed with SERVERBUG.
  it('every command succeeds and the message count adds up', async () => {
    const { user, pass } = await newUser();
    const appender = await login(user, pass);
    const expunger = await login(user, pass);
    expect(await expunger.command('s', 'SELECT INBOX')).toMatch(/s OK/);
    const rounds = 40;
    for (let i = 0; i < rounds; i++) {
      const [appended, expunged] = await Promise.all([
        appender.append('INBOX', msg(`round ${i}`), '\\Deleted'),
        expunger.command(`x${i}`, 'EXPUNGE'),
      ]);
      expect(appended).toMatch(/A OK/);
      expect(expunged).toMatch(new RegExp(`x${i} OK`));
    }
    expect(await expunger.command('e', 'EXPUNGE')).toMatch(/e OK/);
    expect(await appender.command('st', 'STATUS INBOX (MESSAGES)')).toMatch(/MESSAGES 0\)/);
  });
});
