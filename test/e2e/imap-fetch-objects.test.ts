/**
 * FETCH data over a real socket: binary parts served re-encoded in the BODY forms (RFC 3516),
 * quoted-printable decoding for BINARY[] (RFC 2045 §6.7), OBJECTID (RFC 8474, JMAP's ids),
 * SAVEDATE (RFC 8514), PREVIEW (RFC 8970, JMAP's preview), STATUS=SIZE and APPENDLIMIT.
 * Expected wire forms were taken from Dovecot 2.3 with the same APPENDs.
 */
import { emailGet } from '../../core/jmap/email-get';
import { accountIdOf, emailIdOf, mailboxIdOf, threadIdOf } from '../../core/jmap/ids';
import { addUser, client, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

let h: ImapHarness;
const raws: RawImap[] = [];
const USER = 'fay@example.test';

async function login(): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${USER} fay-pw`)).toMatch(/L OK/);
  return r;
}

/** APPEND as a literal8 (binary content allowed, RFC 3516 §4.4). */
async function append(r: RawImap, mailbox: string, message: Buffer, extra = ''): Promise<string> {
  r.write(
    Buffer.concat([
      Buffer.from(`A APPEND ${mailbox} ${extra}~{${message.length}+}\r\n`),
      message,
      Buffer.from('\r\n'),
    ]),
  );
  return r.tagged('A');
}

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');

/** A multipart with a text part and a part of `cte` whose body is `body`. */
function mixed(cte: string | null, body: Buffer, type = 'application/octet-stream'): Buffer {
  return Buffer.concat([
    crlf('From: a@b\nSubject: bin\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n'),
    crlf(`--XX\nContent-Type: text/plain\n\nhello\n--XX\nContent-Type: ${type}\n`),
    cte ? crlf(`Content-Transfer-Encoding: ${cte}\n`) : Buffer.alloc(0),
    crlf('\n'),
    body,
    crlf('\n--XX--\n'),
  ]);
}

/** The literal after `label` in a FETCH response (latin1 text, so bytes map 1:1). */
function literalAfter(text: string, label: string): string {
  const at = text.indexOf(`${label} `);
  if (at < 0) throw new Error(`no ${label} in ${text}`);
  const m = /^(~?)\{(\d+)\}\r\n/.exec(text.slice(at + label.length + 1));
  if (!m) throw new Error(`no literal after ${label}: ${text.slice(at, at + 80)}`);
  const start = at + label.length + 1 + m[0].length;
  return text.slice(start, start + Number(m[2]));
}

async function rowOf(mailbox: string, uid: number): Promise<{ id: number; mailboxId: number }> {
  const result = await h.node.storage.db.query<{ id: string; mailbox_id: string }>(
    `SELECT m.id, m.mailbox_id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     JOIN accounts a ON a.id = b.account_id WHERE a.address = $1 AND b.name = $2 AND m.uid = $3`,
    [USER, mailbox, uid],
  );
  return { id: Number(result.rows[0].id), mailboxId: Number(result.rows[0].mailbox_id) };
}

beforeAll(async () => {
  h = await startImapHarness({ maxLiteralSize: 200_000 });
  await addUser(h, USER, 'fay-pw');
});

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => {
  await h.close();
});

describe('binary parts in the BODY forms (RFC 3516)', () => {
  it('serves a Content-Transfer-Encoding: binary part as base64, consistently everywhere', async () => {
    const r = await login();
    await r.command('c', 'CREATE Bin');
    const original = Buffer.from('ab\0cd\r\nline2\0', 'latin1');
    expect(await append(r, 'Bin', mixed('binary', original))).toMatch(/A OK/);
    await r.command('s', 'SELECT Bin');
    const out = await r.command(
      'f',
      'FETCH 1 (RFC822.SIZE BODYSTRUCTURE BINARY.SIZE[2] BODY.PEEK[2] BODY.PEEK[2.MIME])',
    );
    // What Dovecot 2.3 answers for the same APPEND.
    expect(out).toContain('("application" "octet-stream" NIL NIL NIL "base64" 20 NIL NIL NIL NIL)');
    expect(out).toContain('BINARY.SIZE[2] 13');
    expect(out).toContain('RFC822.SIZE 244');
    expect(literalAfter(out, 'BODY[2]')).toBe('YWIAY2QNCmxpbmUyAA==');
    expect(literalAfter(out, 'BODY[2.MIME]')).toBe(
      'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    );
    const whole = await r.command('g', 'FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT] RFC822.HEADER BINARY.PEEK[2])');
    const body = literalAfter(whole, 'BODY[]');
    expect(body.length).toBe(244);
    expect(body).not.toContain('\0');
    expect(body).toContain('Content-Transfer-Encoding: base64\r\n\r\nYWIAY2QNCmxpbmUyAA==\r\n--XX--');
    expect(body.endsWith(literalAfter(whole, 'BODY[TEXT]'))).toBe(true);
    // BINARY[] still decodes to the original bytes, in a literal8.
    expect(whole).toContain('BINARY[2] ~{13}\r\n');
    expect(literalAfter(whole, 'BINARY[2]')).toBe(original.toString('latin1'));
    // Partial fetches cut the served bytes.
    const partial = await r.command('p', 'FETCH 1 (BODY.PEEK[2]<4.8>)');
    expect(literalAfter(partial, 'BODY[2]<4>')).toBe('Y2QNCmxp');
  });

  it('uses 76-column lines for a large binary part and re-encodes a binary top-level body', async () => {
    const r = await login();
    await r.command('c', 'CREATE Bin2');
    const big = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    await append(r, 'Bin2', mixed('binary', big));
    await append(r, 'Bin2', crlf('Subject: top\nContent-Transfer-Encoding: binary\n\nab\0cd\n'));
    await r.command('s', 'SELECT Bin2');
    const out = await r.command('f', 'FETCH 1:2 (RFC822.SIZE BODYSTRUCTURE BINARY.SIZE[1] BODY.PEEK[1])');
    expect(out).toContain('"base64" 700 NIL NIL NIL NIL)'); // 9 lines of 76, CRLF between
    expect(out).toContain('BINARY.SIZE[1] 7');
    const one = await r.command('g', 'FETCH 1 (RFC822.SIZE BINARY.SIZE[2] BODY.PEEK[2] BODY.PEEK[])');
    expect(one).toContain('BINARY.SIZE[2] 512');
    const encoded = literalAfter(one, 'BODY[2]');
    expect(encoded.split('\r\n').map((l) => l.length)).toEqual([76, 76, 76, 76, 76, 76, 76, 76, 76]);
    expect(Buffer.from(encoded, 'latin1').toString('latin1')).toBe(
      big.toString('base64').replace(/(.{76})(?!$)/g, '$1\r\n'),
    );
    expect(one).toContain(`RFC822.SIZE ${literalAfter(one, 'BODY[]').length} `);
    const lines = literalAfter(out.slice(out.indexOf('* 2 FETCH')), 'BODY[1]');
    expect(lines).toBe('YWIAY2QNCg==');
  });

  it('never puts a NUL in a plain literal: NUL of an 8bit part is sent as 0x80', async () => {
    const r = await login();
    await r.command('c', 'CREATE Nul');
    await append(r, 'Nul', mixed('8bit', Buffer.from('ab\0cd', 'latin1')));
    await r.command('s', 'SELECT Nul');
    const out = await r.command('f', 'FETCH 1 (BODYSTRUCTURE BODY.PEEK[2] BINARY.PEEK[2])');
    expect(out).toContain('"8bit" 5 NIL NIL NIL NIL)');
    expect(literalAfter(out, 'BODY[2]')).toBe('ab\x80cd');
    expect(literalAfter(out, 'BINARY[2]')).toBe('ab\0cd');
    expect(out).toContain('BINARY[2] ~{5}');
    // A section that names no part is an empty string (Dovecot 2.3: {0}), not NIL.
    const none = await r.command(
      'n',
      'FETCH 1 (BODY.PEEK[3] BINARY.PEEK[3] BODY.PEEK[1.TEXT] BINARY.SIZE[3])',
    );
    expect(none).toContain('BODY[3] {0}\r\n BINARY[3] {0}\r\n BODY[1.TEXT] {0}\r\n BINARY.SIZE[3] 0)');
  });

  it('serves a message appended with bare LF line ends as CRLF, sizes included (as Dovecot)', async () => {
    const r = await login();
    await r.command('c', 'CREATE Lf');
    const lf =
      'Subject: lf\nContent-Type: multipart/mixed; boundary=lf\n\n--lf\nContent-Type: text/plain\n\none\ntwo\n--lf--\n';
    await append(r, 'Lf', Buffer.from(lf));
    await r.command('s', 'SELECT Lf');
    const out = await r.command(
      'f',
      'FETCH 1 (RFC822.SIZE BODYSTRUCTURE BODY.PEEK[] BODY.PEEK[1] BINARY.PEEK[1] BINARY.SIZE[1] BODY.PEEK[1]<2.5>)',
    );
    const crlfText = lf.replace(/\n/g, '\r\n');
    expect(literalAfter(out, 'BODY[]')).toBe(crlfText);
    expect(out).toContain(`RFC822.SIZE ${crlfText.length} `);
    expect(out).toContain('("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 8 1 NIL NIL NIL NIL)');
    expect(literalAfter(out, 'BODY[1]')).toBe('one\r\ntwo');
    expect(literalAfter(out, 'BINARY[1]')).toBe('one\r\ntwo');
    expect(out).toContain('BINARY.SIZE[1] 8');
    expect(literalAfter(out, 'BODY[1]<2>')).toBe('e\r\ntw');
  });

  it('counts the served size in STATUS SIZE (at least the sum of RFC822.SIZE, RFC 8438)', async () => {
    const r = await login();
    await r.command('c', 'CREATE Sized');
    await append(r, 'Sized', mixed('binary', Buffer.from('x\0y', 'latin1')));
    await append(r, 'Sized', crlf('Subject: plain\n\nplain\n'));
    const status = await r.command('t', 'STATUS Sized (SIZE MESSAGES)');
    await r.command('s', 'EXAMINE Sized');
    const sizes = [...(await r.command('f', 'FETCH 1:* RFC822.SIZE')).matchAll(/RFC822\.SIZE (\d+)/g)];
    const sum = sizes.reduce((n, m) => n + Number(m[1]), 0);
    expect(status).toContain(`(SIZE ${sum} MESSAGES 2)`);
    // SEARCH LARGER/SMALLER compare the same RFC822.SIZE.
    const first = Number(sizes[0][1]);
    expect(await r.command('l', `UID SEARCH LARGER ${first - 1}`)).toContain('* SEARCH 1\r\n');
    expect(await r.command('m', `UID SEARCH LARGER ${first}`)).toContain('* SEARCH\r\n');
  });
});

describe('quoted-printable decoding (RFC 2045 §6.7 rule 3)', () => {
  it('drops blanks at the end of encoded lines for BINARY.SIZE and partial BINARY[]', async () => {
    const r = await login();
    await r.command('c', 'CREATE Qp');
    const message = Buffer.from(
      'Subject: qp\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nab  \r\ncd=\t\r\nef \t\r\n',
      'latin1',
    );
    await append(r, 'Qp', message);
    await r.command('s', 'SELECT Qp');
    const out = await r.command('f', 'FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1] BINARY.PEEK[1]<2.4>)');
    // Dovecot 2.3: BINARY.SIZE[1] 10, "ab\r\ncdef\r\n".
    expect(out).toContain('BINARY.SIZE[1] 10');
    expect(literalAfter(out, 'BINARY[1]')).toBe('ab\r\ncdef\r\n');
    expect(literalAfter(out, 'BINARY[1]<2>')).toBe('\r\ncd');
  });
});

describe('OBJECTID (RFC 8474)', () => {
  it('gives mailboxes and messages the ids JMAP uses, and searches by them', async () => {
    const r = await login();
    const created = await r.command('c', 'CREATE Objects');
    const mailboxId = /c OK \[MAILBOXID \((M[0-9a-z]+)\)\]/.exec(created)?.[1];
    expect(mailboxId).toBeDefined();
    await append(r, 'Objects', crlf('Subject: first\nMessage-ID: <o1@example.test>\n\none\n'));
    await append(
      r,
      'Objects',
      crlf('Subject: Re: first\nMessage-ID: <o2@example.test>\nIn-Reply-To: <o1@example.test>\n\ntwo\n'),
    );
    await append(r, 'Objects', crlf('Subject: other\nMessage-ID: <o3@example.test>\n\nthree\n'));
    const row = await rowOf('Objects', 1);
    expect(mailboxId).toBe(mailboxIdOf(row.mailboxId));
    expect(await r.command('s', 'SELECT Objects')).toContain(`* OK [MAILBOXID (${mailboxId})]`);
    expect(await r.command('t', 'STATUS Objects (MAILBOXID MESSAGES)')).toContain(
      `* STATUS "Objects" (MAILBOXID (${mailboxId}) MESSAGES 3)`,
    );
    expect(await r.command('l', 'LIST "" Objects RETURN (STATUS (MAILBOXID))')).toContain(
      `(MAILBOXID (${mailboxId}))`,
    );
    const out = await r.command('f', 'FETCH 1:3 (EMAILID THREADID)');
    const ids = [...out.matchAll(/EMAILID \((e[0-9a-z]+)\) THREADID \((t[0-9a-z]+)\)/g)];
    expect(ids.map((m) => m[1])).toEqual([emailIdOf(row.id), emailIdOf(row.id + 1), emailIdOf(row.id + 2)]);
    // The reply joins the first message's thread; the other starts its own.
    expect(ids.map((m) => m[2])).toEqual([threadIdOf(row.id), threadIdOf(row.id), threadIdOf(row.id + 2)]);
    expect(await r.command('e', `UID SEARCH EMAILID ${ids[1][1]}`)).toContain('* SEARCH 2\r\n');
    expect(await r.command('h', `UID SEARCH THREADID ${ids[0][2]}`)).toContain('* SEARCH 1 2\r\n');
    expect(await r.command('n', 'UID SEARCH EMAILID e-not-ours')).toContain('* SEARCH\r\n');
    expect(await r.command('b', 'UID SEARCH EMAILID (e1)')).toMatch(/b BAD /);
    expect(await r.command('x', 'UID SEARCH THREADID')).toMatch(/x BAD /);
  });

  it('MOVE keeps the EMAILID and THREADID (RFC 8474 §5.1); COPY gives the copy its own EMAILID', async () => {
    const r = await login();
    await r.command('c', 'CREATE MoveFrom');
    await r.command('d', 'CREATE MoveTo');
    await append(r, 'MoveFrom', crlf('Subject: moving\nMessage-ID: <mv1@example.test>\n\nbody\n'));
    await r.command('s', 'SELECT MoveFrom');
    const objectIds = (text: string): string | undefined =>
      /(EMAILID \(e[0-9a-z]+\) THREADID \(t[0-9a-z]+\))/.exec(text)?.[1];
    const before = objectIds(await r.command('f', 'FETCH 1 (EMAILID THREADID)'));
    expect(before).toBeDefined();
    await r.command('p', 'COPY 1 MoveTo');
    expect(await r.command('m', 'MOVE 1 MoveTo')).toMatch(/m OK/);
    await r.command('t', 'SELECT MoveTo');
    const out = await r.command('g', 'FETCH 1:2 (EMAILID THREADID)');
    const [copied, moved] = [...out.matchAll(/EMAILID \(e[0-9a-z]+\) THREADID \(t[0-9a-z]+\)/g)].map(
      (m) => m[0],
    );
    expect(moved).toBe(before);
    expect(copied).not.toBe(before);
  });

  it('keeps a mailbox id across RENAME; RENAME INBOX gives the moved messages a new mailbox', async () => {
    const r = await login();
    const id = (text: string): string | undefined => /MAILBOXID \((M[0-9a-z]+)\)/.exec(text)?.[1];
    const before = id(await r.command('c', 'CREATE Named'));
    await r.command('r', 'RENAME Named Renamed');
    expect(id(await r.command('s', 'STATUS Renamed (MAILBOXID)'))).toBe(before);
    const inbox = id(await r.command('i', 'STATUS INBOX (MAILBOXID)'));
    await r.command('m', 'RENAME INBOX OldInbox');
    expect(id(await r.command('j', 'STATUS INBOX (MAILBOXID)'))).toBe(inbox);
    const moved = id(await r.command('k', 'STATUS OldInbox (MAILBOXID)'));
    expect(moved).toBeDefined();
    expect(moved).not.toBe(inbox);
  });

  it('works from imapflow: mailboxId on open, emailId/threadId on fetch, search by them', async () => {
    const r = await login();
    await r.command('c', 'CREATE Flow');
    await append(r, 'Flow', crlf('Subject: a\nMessage-ID: <f1@example.test>\n\none\n'));
    await append(
      r,
      'Flow',
      crlf('Subject: Re: a\nMessage-ID: <f2@example.test>\nReferences: <f1@example.test>\n\ntwo\n'),
    );
    const row = await rowOf('Flow', 1);
    const c = client(h, USER, 'fay-pw');
    await c.connect();
    try {
      const mailbox = await c.mailboxOpen('Flow');
      expect(mailbox.mailboxId).toBe(mailboxIdOf(row.mailboxId));
      const messages = [];
      for await (const m of c.fetch('1:*', { uid: true, threadId: true })) messages.push(m);
      expect(messages.map((m) => m.emailId)).toEqual([emailIdOf(row.id), emailIdOf(row.id + 1)]);
      expect(messages.map((m) => m.threadId)).toEqual([threadIdOf(row.id), threadIdOf(row.id)]);
      expect(await c.search({ threadId: threadIdOf(row.id) }, { uid: true })).toEqual([1, 2]);
      expect(await c.search({ emailId: emailIdOf(row.id + 1) }, { uid: true })).toEqual([2]);
    } finally {
      await c.logout();
    }
  });
});

describe('SAVEDATE (RFC 8514)', () => {
  it('is when the message was saved to this mailbox: a COPY or a move renews it', async () => {
    const r = await login();
    await r.command('c', 'CREATE Saved');
    await r.command('c2', 'CREATE SavedCopy');
    await append(r, 'Saved', crlf('Subject: old\n\nold\n'), '"01-Jan-2001 10:00:00 +0000" ');
    await append(r, 'Saved', crlf('Subject: moved\n\nmoved\n'));
    const first = await rowOf('Saved', 1);
    const second = await rowOf('Saved', 2);
    // Pretend both were saved long ago; the internal date is independent of the save date.
    await h.node.storage.db.query(
      `UPDATE messages SET created_at = '2002-03-04T05:06:07Z' WHERE id = ANY($1::bigint[])`,
      [`{${first.id},${second.id}}`],
    );
    await r.command('s', 'SELECT Saved');
    const out = await r.command('f', 'FETCH 1 (SAVEDATE INTERNALDATE)');
    expect(out).toContain('SAVEDATE " 4-Mar-2002 05:06:07 +0000" INTERNALDATE " 1-Jan-2001 10:00:00 +0000"');
    expect(await r.command('b', 'UID SEARCH SAVEDBEFORE 5-Mar-2002')).toContain('* SEARCH 1 2\r\n');
    expect(await r.command('o', 'UID SEARCH SAVEDON 4-Mar-2002')).toContain('* SEARCH 1 2\r\n');
    expect(await r.command('i', 'UID SEARCH SAVEDSINCE 5-Mar-2002')).toContain('* SEARCH\r\n');
    expect(await r.command('u', 'UID SEARCH SAVEDATESUPPORTED')).toContain('* SEARCH 1 2\r\n');
    expect(await r.command('k', 'UID SEARCH SAVEDON 4-Mar')).toMatch(/k BAD /);
    await r.command('y', 'COPY 1 SavedCopy');
    // A move in place (what JMAP's Email/set does) keeps the row; the trigger renews the date.
    const target = await rowOf('SavedCopy', 1);
    await h.node.storage.db.query(`UPDATE messages SET mailbox_id = $2, uid = 99 WHERE id = $1`, [
      second.id,
      target.mailboxId,
    ]);
    await r.command('s2', 'SELECT SavedCopy');
    const copies = await r.command('g', 'UID FETCH 1:* (SAVEDATE)');
    const dates = [...copies.matchAll(/SAVEDATE "([^"]+)"/g)].map((m) => m[1]);
    expect(dates).toHaveLength(2);
    for (const date of dates) expect(date).not.toContain('2002');
    expect(await r.command('z', 'UID SEARCH SAVEDBEFORE 1-Jan-2003')).toContain('* SEARCH\r\n');
  });
});

describe('PREVIEW (RFC 8970)', () => {
  it('computes the preview once (LAZY answers NIL until then), the same text as JMAP', async () => {
    const r = await login();
    await r.command('c', 'CREATE Preview');
    await append(
      r,
      'Preview',
      crlf(
        'Subject: p\nContent-Type: text/html\n\n<html><body><p>Hello   <b>world</b></p>\n<p>second &amp; line</p></body></html>\n',
      ),
    );
    await append(r, 'Preview', crlf('Subject: q\nContent-Type: image/png\n\nxx\n'));
    await append(r, 'Preview', Buffer.from(`Subject: long\r\n\r\n${'word '.repeat(100)}\r\n`));
    await r.command('s', 'SELECT Preview');
    expect(await r.command('l', 'FETCH 1:3 (PREVIEW (LAZY))')).toMatch(
      /\* 1 FETCH \(PREVIEW NIL\)[\s\S]*\* 3 FETCH \(PREVIEW NIL\)/,
    );
    const out = await r.command('f', 'FETCH 1:3 PREVIEW');
    expect(out).toContain('* 1 FETCH (PREVIEW "Hello world second & line")');
    expect(out).toContain('* 2 FETCH (PREVIEW "")');
    const long = /\* 3 FETCH \(PREVIEW "([^"]*)"\)/.exec(out)?.[1] ?? '';
    expect(long.length).toBe(256);
    expect(await r.command('m', 'FETCH 1 (PREVIEW (LAZY) FLAGS)')).toContain(
      'PREVIEW "Hello world second & line"',
    );
    expect(await r.command('b', 'FETCH 1 (PREVIEW (FAST))')).toMatch(/b BAD /);
    expect(await r.command('e', 'FETCH 1 (PREVIEW ())')).toMatch(/e BAD /);
    // JMAP's Email/get gives the same text.
    const row = await rowOf('Preview', 1);
    const account = (await h.node.directory.getAccount(USER))!;
    const jmap = await emailGet(
      {
        db: h.node.storage.db,
        blobs: h.node.storage.blobs,
        events: h.node.storage.events,
        directory: h.node.directory,
      },
      { id: account.id, address: USER },
      { accountId: accountIdOf(account.id), ids: [emailIdOf(row.id)], properties: ['preview'] },
    );
    expect(jmap.list[0].preview).toBe('Hello world second & line');
  });

  it('sends a non-ASCII preview as a literal unless UTF8=ACCEPT is on', async () => {
    const r = await login();
    await r.command('c', 'CREATE Utf');
    await append(
      r,
      'Utf',
      Buffer.from('Subject: u\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncafé au lait\r\n'),
    );
    await r.command('s', 'SELECT Utf');
    expect(await r.command('f', 'FETCH 1 PREVIEW')).toContain(
      `PREVIEW {13}\r\n${Buffer.from('café au lait').toString('latin1')})`,
    );
  });
});

describe('a message expunged by another session, not yet reported', () => {
  it('still answers PREVIEW and BODYSTRUCTURE; SAVEDATE is NIL and EMAILID left out', async () => {
    const a = await login();
    const b = await login();
    await a.command('c', 'CREATE Gone');
    await append(a, 'Gone', crlf('Subject: gone\n\nsoon gone\n'));
    await a.command('s', 'SELECT Gone');
    await b.command('s', 'SELECT Gone');
    await b.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.command('e', 'EXPUNGE');
    const out = await a.command('f', 'FETCH 1 (EMAILID SAVEDATE PREVIEW BODYSTRUCTURE)');
    expect(out).toMatch(/\* 1 FETCH \(SAVEDATE NIL PREVIEW "soon gone" BODYSTRUCTURE \("text" "plain"/);
    expect(out).toMatch(/f OK/);
  });
});

describe('capabilities and limits', () => {
  it('advertises OBJECTID, SAVEDATE, PREVIEW, STATUS=SIZE and APPENDLIMIT, and STATUS agrees', async () => {
    const r = await login();
    const caps = await r.command('c', 'CAPABILITY');
    for (const cap of ['OBJECTID', 'SAVEDATE', 'PREVIEW', 'STATUS=SIZE', 'APPENDLIMIT=200000']) {
      expect(caps).toMatch(new RegExp(`^\\* CAPABILITY .*\\b${cap}\\b`, 'm'));
    }
    expect(await r.command('s', 'STATUS INBOX (APPENDLIMIT)')).toContain(
      '* STATUS "INBOX" (APPENDLIMIT 200000)',
    );
    expect(await r.command('l', 'LIST "" INBOX RETURN (STATUS (APPENDLIMIT))')).toContain(
      '* STATUS "INBOX" (APPENDLIMIT 200000)',
    );
    // RFC 7889: a message of exactly APPENDLIMIT octets is accepted, one more is refused.
    const exact = Buffer.concat([crlf('Subject: big\n\n'), Buffer.alloc(200_000 - 16, 0x61)]);
    expect(exact.length).toBe(200_000);
    r.write(
      Buffer.concat([Buffer.from(`a APPEND INBOX {${exact.length}+}\r\n`), exact, Buffer.from('\r\n')]),
    );
    expect(await r.tagged('a')).toMatch(/a OK/);
    r.write('b APPEND INBOX {200001}\r\n');
    expect(await r.tagged('b')).toMatch(/b NO \[TOOBIG\]/);
  });
});

describe('Python imaplib', () => {
  it('fetches the object data and a re-encoded binary part', async () => {
    const script = String.raw`
import imaplib, os, json, base64
out = {}
M = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
M.login('fay@example.test', 'fay-pw')
M.create('Py')
msg = b'Subject: py\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nHi from python\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x01\x02\xff\r\n--B--\r\n'
M.append('Py', None, None, msg)
typ, data = M.select('Py')
out['mailboxid'] = M.response('MAILBOXID')[1][0].decode()
typ, data = M.fetch('1', '(EMAILID THREADID SAVEDATE PREVIEW BODY.PEEK[2] BODY.PEEK[2.MIME])')
out['fetch'] = data[0][0].decode()
out['body2'] = base64.b64decode(data[0][1]).hex()
out['mime2'] = data[1][1].decode()
print(json.dumps(out))
M.logout()
`;
    const out = JSON.parse(await python(script, { PORT: String(h.port) })) as Record<string, string>;
    expect(out.fetch).toMatch(
      /EMAILID \(e[0-9a-z]+\) THREADID \(t[0-9a-z]+\) SAVEDATE "[^"]+" PREVIEW "Hi from python"/,
    );
    expect(out.mailboxid).toMatch(/^\(M[0-9a-z]+\)$/);
    expect(out.body2).toBe('0102ff');
    expect(out.mime2).toContain('Content-Transfer-Encoding: base64');
  });
});
