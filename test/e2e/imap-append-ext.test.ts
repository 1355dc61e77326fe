/**
 * CATENATE (RFC 4469), REPLACE (RFC 8508) and URLAUTH (RFC 4467) over real sockets: exact wire
 * checks with RawImap, and Python's imaplib for the main paths. Users: alice, bob and carol
 * share the domain a.test; dave is in b.test (another tenant).
 */
import { addUser, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

const HOST = 'imap.test.example';
let h: ImapHarness;
const raws: RawImap[] = [];

async function login(user: string): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${user} ${user.split('@')[0]}-pw`)).toMatch(/L OK/);
  return r;
}

const lit = (text: string | Buffer): string => `{${Buffer.byteLength(text)}+}\r\n${text.toString()}`;

const MULTIPART = [
  'From: alice@a.test',
  'Subject: original',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'first part',
  '--b1',
  'Content-Type: text/plain',
  '',
  'second part',
  '--b1--',
  '',
].join('\r\n');

async function appendTo(
  r: RawImap,
  mailbox: string,
  text: string,
): Promise<{ uidvalidity: number; uid: number }> {
  const out = await r.command('ap', `APPEND ${mailbox} ${lit(text)}`);
  const m = /\[APPENDUID (\d+) (\d+)\]/.exec(out);
  if (!m) throw new Error(out);
  return { uidvalidity: Number(m[1]), uid: Number(m[2]) };
}

async function fetchBody(r: RawImap, uid: number): Promise<string> {
  const out = await r.command('fb', `UID FETCH ${uid} BODY.PEEK[]`);
  const m = /BODY\[\] \{(\d+)\}\r\n/.exec(out);
  if (!m) throw new Error(out);
  return out.slice(m.index + m[0].length, m.index + m[0].length + Number(m[1]));
}

const enc = (address: string): string => address.replace('@', '%40');

beforeAll(async () => {
  h = await startImapHarness({ hostname: HOST, maxLiteralSize: 20_000 });
  await addUser(h, 'alice@a.test', 'alice-pw');
  await addUser(h, 'bob@a.test', 'bob-pw');
  await addUser(h, 'carol@a.test', 'carol-pw', 3000);
  await addUser(h, 'dave@b.test', 'dave-pw');
});

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => {
  await h.close();
});

test('CAPABILITY lists CATENATE, URL-PARTIAL, URLAUTH and REPLACE after login', async () => {
  const r = await login('alice@a.test');
  const caps = await r.command('c', 'CAPABILITY');
  expect(caps).toMatch(/^\* CAPABILITY .*\bCATENATE\b/m);
  expect(caps).toMatch(/^\* CAPABILITY .*\bURLAUTH\b/m);
  expect(caps).toMatch(/^\* CAPABILITY .*\bURL-PARTIAL\b/m);
  expect(caps).toMatch(/^\* CAPABILITY .*\bREPLACE\b/m);
});

describe('CATENATE', () => {
  it('builds a message from URL parts and TEXT literals (the RFC 4469 forward case)', async () => {
    const r = await login('alice@a.test');
    await r.command('c0', 'CREATE Drafts');
    const src = await appendTo(r, 'INBOX', MULTIPART);
    await r.command('s', 'SELECT INBOX');
    const base = `/INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=${src.uid}`;
    const text = '\r\n--b1\r\nContent-Type: text/plain\r\n\r\nadded\r\n--b1\r\n';
    const out = await r.command(
      'c1',
      `APPEND Drafts (\\Draft) CATENATE (URL "${base}/;SECTION=HEADER" TEXT ${lit(text.slice(2))}` +
        ` URL ";UID=${src.uid}/;SECTION=2.MIME" URL "imap://alice%40a.test@${HOST}${base}/;SECTION=2"` +
        ` TEXT ${lit('\r\n--b1--\r\n')})`,
    );
    expect(out).toMatch(/^c1 OK \[APPENDUID \d+ 1\] APPEND completed/m);
    await r.command('s2', 'SELECT Drafts');
    const body = await fetchBody(r, 1);
    const header = MULTIPART.slice(0, MULTIPART.indexOf('\r\n\r\n') + 4);
    expect(body).toBe(
      header + text.slice(2) + 'Content-Type: text/plain\r\n\r\n' + 'second part' + '\r\n--b1--\r\n',
    );
    // The source stays unread: URL parts are read with PEEK semantics.
    await r.command('s3', 'SELECT INBOX');
    expect(await r.command('f', `UID FETCH ${src.uid} FLAGS`)).toMatch(/FLAGS \(\)/);
  });

  it('takes ;PARTIAL=offset.length of a section (URL-PARTIAL, RFC 5550)', async () => {
    const r = await login('alice@a.test');
    const src = await appendTo(r, 'INBOX', 'Subject: p\r\n\r\n0123456789\r\n');
    const url = `/INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=${src.uid}/;SECTION=TEXT/;PARTIAL=2.5`;
    const out = await r.command(
      'p1',
      `APPEND INBOX CATENATE (TEXT ${lit('Subject: q\r\n\r\n')} URL "${url}")`,
    );
    const uid = Number(/APPENDUID \d+ (\d+)/.exec(out)![1]);
    await r.command('s', 'EXAMINE INBOX');
    expect(await fetchBody(r, uid)).toBe('Subject: q\r\n\r\n23456');
  });

  it('answers NO [BADURL <url>] and appends nothing when one URL fails (MULTIAPPEND too)', async () => {
    const r = await login('alice@a.test');
    const src = await appendTo(r, 'INBOX', 'Subject: x\r\n\r\nbody\r\n');
    const before = await r.command('st', 'STATUS INBOX (MESSAGES)');
    const good = `/INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=${src.uid}`;
    const missing = `/INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=9999`;
    const out = await r.command('b1', `APPEND INBOX CATENATE (URL "${good}") CATENATE (URL "${missing}")`);
    expect(out).toMatch(new RegExp(`^b1 NO \\[BADURL ${missing.replace(/[;/]/g, '\\$&')}\\] `, 'm'));
    const wrongValidity = `/INBOX;UIDVALIDITY=${src.uidvalidity + 1}/;UID=${src.uid}`;
    expect(await r.command('b2', `APPEND INBOX CATENATE (URL "${wrongValidity}")`)).toMatch(
      /^b2 NO \[BADURL /m,
    );
    expect(await r.command('b3', `APPEND INBOX CATENATE (URL "${good}/;SECTION=7")`)).toMatch(
      /^b3 NO \[BADURL /m,
    );
    expect(await r.command('b4', `APPEND INBOX CATENATE (URL "imap://elsewhere.example${good}")`)).toMatch(
      /^b4 NO \[BADURL /m,
    );
    expect(await r.command('b5', 'APPEND INBOX CATENATE (URL ";UID=1")')).toMatch(/^b5 NO \[BADURL /m); // nothing selected
    expect(await r.command('b6', 'APPEND INBOX CATENATE (URL "http://x/")')).toMatch(/^b6 NO \[BADURL /m);
    expect(await r.command('st2', 'STATUS INBOX (MESSAGES)')).toBe(before.replace(/^st /m, 'st2 '));
  });

  it("never reads another user's mailbox through a plain URL (same or other domain)", async () => {
    const a = await login('alice@a.test');
    const src = await appendTo(a, 'INBOX', 'Subject: secret\r\n\r\nalice only\r\n');
    const path = `INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=${src.uid}`;
    for (const user of ['bob@a.test', 'dave@b.test']) {
      const r = await login(user);
      for (const url of [`imap://alice%40a.test@${HOST}/${path}`, `imap://${HOST}/${path}`, `/${path}`]) {
        const out = await r.command('x', `APPEND INBOX CATENATE (URL "${url}")`);
        // Either BADURL (not theirs) or, for the last two, their own INBOX with another UIDVALIDITY.
        expect(out).toMatch(/^x NO \[BADURL /m);
      }
    }
  });

  it('refuses a result over the APPEND limit with NO [TOOBIG] and over quota with NO [OVERQUOTA]', async () => {
    const a = await login('alice@a.test');
    const big = `Subject: big\r\n\r\n${'x'.repeat(12_000)}\r\n`;
    const src = await appendTo(a, 'INBOX', big);
    const url = `/INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=${src.uid}`;
    expect(await a.command('t1', `APPEND INBOX CATENATE (URL "${url}" URL "${url}")`)).toMatch(
      /^t1 NO \[TOOBIG\] /m,
    );
    // A TEXT literal is an APPEND literal: refused when announced, before its bytes are sent.
    a.write('t3 APPEND INBOX CATENATE (TEXT {30000}\r\n');
    expect(await a.tagged('t3')).toMatch(/^t3 NO \[TOOBIG\]/m);
    const c = await login('carol@a.test');
    const small = await appendTo(c, 'INBOX', `Subject: s\r\n\r\n${'y'.repeat(1200)}\r\n`);
    const curl = `/INBOX;UIDVALIDITY=${small.uidvalidity}/;UID=${small.uid}`;
    expect(await c.command('t2', `APPEND INBOX CATENATE (URL "${curl}" URL "${curl}")`)).toMatch(
      /^t2 NO \[OVERQUOTA\] /m,
    );
  });

  it('copies binary content and accepts literal8 TEXT parts; a NUL in a plain literal is BAD', async () => {
    const a = await login('alice@a.test');
    const bin = Buffer.from('Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\nA\x00B\r\n', 'latin1');
    const out = await a.command('n1', `APPEND INBOX ~{${bin.length}+}\r\n${bin.toString('latin1')}`);
    const uid = Number(/APPENDUID \d+ (\d+)/.exec(out)![1]);
    const validity = Number(/APPENDUID (\d+)/.exec(out)![1]);
    const tail = 'X\x00Y\r\n';
    const cat = await a.command(
      'n2',
      `APPEND INBOX CATENATE (URL "/INBOX;UIDVALIDITY=${validity}/;UID=${uid}" TEXT ~{${tail.length}+}\r\n${tail})`,
    );
    expect(cat).toMatch(/^n2 OK \[APPENDUID /m);
    const newUid = Number(/APPENDUID \d+ (\d+)/.exec(cat)![1]);
    await a.command('s', 'EXAMINE INBOX');
    // The URL part and the literal8 arrive byte for byte (BINARY[1] is the undecoded body here).
    expect(await a.command('n3', `UID FETCH ${newUid} BINARY.PEEK[1]`)).toContain(
      'BINARY[1] ~{10}\r\nA\x00B\r\nX\x00Y\r\n',
    );
    expect(await a.command('n4', `APPEND INBOX CATENATE (TEXT {3+}\r\nA\x00B)`)).toMatch(/^n4 BAD .*NUL/m);
  });

  it.each([
    ['APPEND INBOX CATENATE ()', 'Empty list'],
    ['APPEND INBOX CATENATE (FOO "x")', 'Expected URL or TEXT'],
    ['APPEND INBOX CATENATE (TEXT "quoted")', 'TEXT needs a literal'],
    ['APPEND INBOX CATENATE (URL)', ''],
    ['APPEND INBOX CATENATE URL "x"', ''],
  ])('%s is BAD', async (command, reason) => {
    const a = await login('alice@a.test');
    expect(await a.command('g', command)).toMatch(new RegExp(`^g BAD .*${reason}`, 'm'));
    expect(await a.command('g2', 'NOOP')).toMatch(/^g2 OK/m);
  });
});

describe('REPLACE', () => {
  it('appends, then reports APPENDUID, EXPUNGE and EXISTS in one command (RFC 8508 §3)', async () => {
    const r = await login('bob@a.test');
    await appendTo(r, 'INBOX', 'Subject: v1\r\n\r\none\r\n');
    await appendTo(r, 'INBOX', 'Subject: other\r\n\r\ntwo\r\n');
    const sel = await r.command('s', 'SELECT INBOX');
    const validity = /UIDVALIDITY (\d+)/.exec(sel)![1];
    const out = await r.command(
      'r1',
      `REPLACE 1 INBOX (\\Seen \\Draft) ${lit('Subject: v2\r\n\r\none, edited\r\n')}`,
    );
    expect(out).toMatch(
      new RegExp(
        `^\\* OK \\[APPENDUID ${validity} 3\\] .*\\r\\n\\* 3 EXISTS\\r\\n(\\* \\d+ RECENT\\r\\n)?\\* 1 EXPUNGE\\r\\nr1 OK REPLACE completed`,
        'm',
      ),
    );
    expect(await r.command('f', 'UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).toMatch(
      /UID 3 FLAGS \(\\Seen \\Draft[^)]*\) .*\r\nSubject: v2/,
    );
  });

  it('UID REPLACE into another mailbox, with CATENATE of the message being replaced, and VANISHED under QRESYNC', async () => {
    const r = await login('bob@a.test');
    await r.command('e', 'ENABLE QRESYNC');
    await r.command('c', 'CREATE Archive');
    const src = await appendTo(r, 'INBOX', 'Subject: keep\r\n\r\nkept text\r\n');
    await r.command('s', 'SELECT INBOX');
    const out = await r.command(
      'r2',
      `UID REPLACE ${src.uid} Archive CATENATE (TEXT ${lit('X-Edited: yes\r\n')} URL ";UID=${src.uid}")`,
    );
    expect(out).toMatch(
      new RegExp(`^\\* OK \\[APPENDUID \\d+ 1\\] .*\\r\\n\\* VANISHED ${src.uid}\\r\\nr2 OK`, 'm'),
    );
    await r.command('s2', 'SELECT Archive');
    expect(await fetchBody(r, 1)).toBe('X-Edited: yes\r\nSubject: keep\r\n\r\nkept text\r\n');
  });

  it('keeps the old message when the command fails: TRYCREATE, READ-ONLY, unknown UID, BADURL', async () => {
    const r = await login('bob@a.test');
    const src = await appendTo(r, 'INBOX', 'Subject: stays\r\n\r\nx\r\n');
    await r.command('s', 'SELECT INBOX');
    const m = lit('Subject: new\r\n\r\ny\r\n');
    expect(await r.command('f1', `UID REPLACE ${src.uid} Nowhere ${m}`)).toMatch(/^f1 NO \[TRYCREATE\]/m);
    expect(await r.command('f2', `UID REPLACE 999999 INBOX ${m}`)).toMatch(/^f2 NO /m);
    expect(await r.command('f3', `UID REPLACE ${src.uid} INBOX CATENATE (URL ";UID=999999")`)).toMatch(
      /^f3 NO \[BADURL ;UID=999999\]/m,
    );
    expect(await r.command('f4', `REPLACE 999999 INBOX ${m}`)).toMatch(/^f4 BAD /m);
    // REPLACE literals are message literals: APPENDLIMIT applies when one is announced.
    r.write(`f8 UID REPLACE ${src.uid} INBOX {30000}\r\n`);
    expect(await r.tagged('f8')).toMatch(/^f8 NO \[TOOBIG\]/m);
    await r.command('x', 'EXAMINE INBOX');
    expect(await r.command('f5', `UID REPLACE ${src.uid} INBOX ${m}`)).toMatch(/^f5 NO \[READ-ONLY\]/m);
    expect(await r.command('f6', `UID FETCH ${src.uid} UID`)).toMatch(new RegExp(`UID ${src.uid}\\)`));
    await r.command('u', 'UNSELECT');
    expect(await r.command('f7', `REPLACE 1 INBOX ${m}`)).toMatch(/^f7 BAD .*No mailbox selected/m);
  });
});

describe('URLAUTH', () => {
  async function setup(): Promise<{ a: RawImap; path: string; text: string }> {
    const a = await login('alice@a.test');
    const text = MULTIPART;
    const src = await appendTo(a, 'INBOX', text);
    return { a, path: `INBOX;UIDVALIDITY=${src.uidvalidity}/;UID=${src.uid}`, text };
  }

  async function gen(a: RawImap, rump: string): Promise<string> {
    const out = await a.command('g', `GENURLAUTH "${rump}" INTERNAL`);
    const m = /^\* GENURLAUTH "([^"]+)"\r\n/m.exec(out);
    if (!m) throw new Error(out);
    expect(m[1]).toMatch(
      new RegExp(`^${rump.replace(/[.*+?^${}()|[\]\\;]/g, '\\$&')}:internal:[0-9a-f]{64}$`),
    );
    return m[1];
  }

  async function urlfetch(user: string, url: string): Promise<string> {
    const r = await login(user);
    return r.command('u', `URLFETCH "${url}"`);
  }

  it('GENURLAUTH user+bob: bob fetches the part, nobody else does', async () => {
    const { a, path } = await setup();
    const url = await gen(
      a,
      `imap://alice%40a.test@${HOST}/${path}/;SECTION=1;URLAUTH=user+${enc('bob@a.test')}`,
    );
    expect(await urlfetch('bob@a.test', url)).toMatch(
      new RegExp(
        `^\\* URLFETCH "${url.replace(/[.*+?^${}()|[\]\\;]/g, '\\$&')}" \\{10\\}\\r\\nfirst part\\r\\nu OK`,
        'm',
      ),
    );
    for (const user of ['carol@a.test', 'alice@a.test', 'dave@b.test']) {
      expect(await urlfetch(user, url)).toMatch(/^\* URLFETCH "[^"]+" NIL\r\nu OK/m);
    }
    // A changed token, or the rump alone, is no authorization.
    const forged = url.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0'));
    expect(await urlfetch('bob@a.test', forged)).toMatch(/ NIL\r\n/);
    expect(await urlfetch('bob@a.test', url.replace(/:internal:.*$/, ''))).toMatch(/ NIL\r\n/);
  });

  it('authuser reaches the users of the owner’s domain only; EXPIRE ends it', async () => {
    const { a, path } = await setup();
    const url = await gen(a, `imap://alice%40a.test@${HOST}/${path}/;SECTION=2;URLAUTH=authuser`);
    expect(await urlfetch('carol@a.test', url)).toMatch(/\{11\}\r\nsecond part\r\n/);
    expect(await urlfetch('dave@b.test', url)).toMatch(/ NIL\r\n/);
    const past = await gen(
      a,
      `imap://alice%40a.test@${HOST}/${path};EXPIRE=2001-01-01T00:00:00Z;URLAUTH=authuser`,
    );
    expect(await urlfetch('bob@a.test', past)).toMatch(/ NIL\r\n/);
  });

  it('RESETKEY for the mailbox or for all revokes earlier URLs', async () => {
    const { a, path, text } = await setup();
    const rump = `imap://alice%40a.test@${HOST}/${path};URLAUTH=user+bob%40a.test`;
    const first = await gen(a, rump);
    expect(await urlfetch('bob@a.test', first)).toContain(text);
    expect(await a.command('k1', 'RESETKEY INBOX INTERNAL')).toMatch(/^k1 OK \[URLMECH INTERNAL\]/m);
    expect(await urlfetch('bob@a.test', first)).toMatch(/ NIL\r\n/);
    const second = await gen(a, rump);
    expect(second).not.toBe(first);
    expect(await urlfetch('bob@a.test', second)).toContain(text);
    expect(await a.command('k2', 'RESETKEY')).toMatch(/^k2 OK/m);
    expect(await urlfetch('bob@a.test', second)).toMatch(/ NIL\r\n/);
    expect(await a.command('k3', 'RESETKEY Nowhere')).toMatch(/^k3 NO \[NONEXISTENT\]/m);
    expect(await a.command('k4', 'RESETKEY INBOX FANCY')).toMatch(/^k4 NO /m);
  });

  it('refuses what it must not sign: anonymous, another owner, other tenants, unknown mechanisms', async () => {
    const { a, path } = await setup();
    const base = `imap://alice%40a.test@${HOST}/${path}`;
    for (const [rump, mech] of [
      [`${base};URLAUTH=anonymous`, 'INTERNAL'],
      [`imap://bob%40a.test@${HOST}/${path};URLAUTH=authuser`, 'INTERNAL'],
      [`${base};URLAUTH=user+dave%40b.test`, 'INTERNAL'],
      [`${base};URLAUTH=authuser`, 'FANCY'],
      [`imap://alice%40a.test@elsewhere.example/${path};URLAUTH=authuser`, 'INTERNAL'],
      [`${base}`, 'INTERNAL'],
      [`${base};URLAUTH=authuser:internal:${'0'.repeat(64)}`, 'INTERNAL'],
      [`imap://alice%40a.test@${HOST}/Nowhere/;UID=1;URLAUTH=authuser`, 'INTERNAL'],
    ]) {
      const out = await a.command('n', `GENURLAUTH "${rump}" ${mech}`);
      expect(out).toMatch(/^n NO /m);
      expect(out).not.toMatch(/\* GENURLAUTH/);
    }
    expect(await a.command('n2', 'GENURLAUTH')).toMatch(/^n2 BAD /m);
    const r = await RawImap.connect(h.port);
    raws.push(r);
    expect(await r.command('n3', `URLFETCH "${base};URLAUTH=authuser"`)).toMatch(/^n3 BAD .*Log in first/m);
  });

  it('works from Python imaplib: GENURLAUTH, URLFETCH, CATENATE and REPLACE', async () => {
    const script = String.raw`
import imaplib, json, os, re
imaplib.Commands.update({'GENURLAUTH': ('AUTH', 'SELECTED'), 'URLFETCH': ('AUTH', 'SELECTED'), 'REPLACE': ('SELECTED',)})
out = {}
a = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
a.login('alice@a.test', 'alice-pw')
typ, dat = a.append('INBOX', None, None, b'Subject: py\r\n\r\nfrom python\r\n')
validity, uid = re.search(rb'APPENDUID (\d+) (\d+)', dat[0]).groups()
path = 'INBOX;UIDVALIDITY=%s/;UID=%s' % (validity.decode(), uid.decode())
rump = 'imap://alice%%40a.test@%s/%s;URLAUTH=user+bob%%40a.test' % (os.environ['HOST'], path)
typ, dat = a._simple_command('GENURLAUTH', '"%s"' % rump, 'INTERNAL')
out['gen'] = typ
url = a._untagged_response(typ, dat, 'GENURLAUTH')[1][0].decode().strip('"')
out['url'] = url
typ, dat = a._simple_command('APPEND', 'INBOX', 'CATENATE (URL "/%s" URL "/%s")' % (path, path))
out['catenate'] = typ
a.select('INBOX')
a.literal = b'Subject: py2\r\n\r\nreplaced\r\n'
typ, dat = a._simple_command('REPLACE', '1', 'INBOX')
out['replace'] = typ
out['replace_untagged'] = [x.decode() for x in a.untagged_responses.get('OK', []) if x and b'APPENDUID' in x]
b = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
b.login('bob@a.test', 'bob-pw')
typ, dat = b._simple_command('URLFETCH', '"%s"' % url)
out['fetch'] = typ
data = b._untagged_response(typ, dat, 'URLFETCH')[1]
out['content'] = data[0][1].decode() if isinstance(data[0], tuple) else None
print(json.dumps(out))
`;
    const out = JSON.parse(await python(script, { PORT: String(h.port), HOST }));
    expect(out.gen).toBe('OK');
    expect(out.url).toMatch(/:internal:[0-9a-f]{64}$/);
    expect(out.catenate).toBe('OK');
    expect(out.replace).toBe('OK');
    expect(out.replace_untagged.join(' ')).toMatch(/\[APPENDUID \d+ \d+\]/);
    expect(out.fetch).toBe('OK');
    expect(out.content).toBe('Subject: py\r\n\r\nfrom python\r\n');
  });
});
