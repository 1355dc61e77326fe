/**
 * The Email item source (core/eas/email) over a real store on PGlite: rendering of a multipart
 * message (addresses, bodies of types 1/2/4 with truncation, attachments' FileReference),
 * versions and filter windows, client changes and deletes, and tenant isolation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import type { Directory } from '../../../core/directory/directory';
import { EmailItemSource } from '../../../core/eas/email/email-source';
import type { RenderOptions } from '../../../core/eas/sync/item-source';
import { child, childrenNamed, decodeWbxml, el, encodeWbxml, type EasElement } from '../../../core/eas/wbxml';
import type { MailboxChange } from '../../../core/ports/events';
import { ImapAppender } from '../../../core/store/imap-append';
import { MailboxAdmin } from '../../../core/store/mailbox-admin';
import { MailboxStore } from '../../../core/store/mailbox-store';

let db: PgliteDatabase;
let dir: string;
let blobs: FileBlobStore;
let source: EmailItemSource;
const events = new InProcessEvents();
const published: MailboxChange[] = [];
const users: Record<string, { id: number; boxes: Record<string, number> }> = {};

const CRLF = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

const MULTIPART = CRLF(`From: =?utf-8?q?J=C3=B6rg?= <jorg@a.test>
To: Ann Example <ann@a.test>, bob@b.test
Cc: "Cat, C." <cat@a.test>
Reply-To: replies@a.test
Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and plans
Importance: high
Message-ID: <m1@a.test>
Date: Thu, 03 Dec 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hall=F6chen, the plan is ready. ${'x'.repeat(200)}
--alt
Content-Type: text/html; charset=utf-8

<p>Hall&ouml;chen, <b>the plan</b> is ready.</p>
--alt--

--outer
Content-Type: application/pdf; name="plan.pdf"
Content-Disposition: attachment; filename="plan.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K
--outer--
`);

const PLAIN = (subject: string) => CRLF(`From: a@a.test\nTo: ann@a.test\nSubject: ${subject}\n\nhello\n`);

const options = (over: Partial<RenderOptions> = {}): RenderOptions => ({
  version: '16.1',
  bodyPreferences: [{ type: 2, truncationSize: 32 }],
  mimeSupport: 0,
  ...over,
});

async function append(user: string, box: string, data: Buffer, flags: string[] = [], date?: Date) {
  const appender = new ImapAppender(db, blobs, new MailboxStore(db, blobs, events), events);
  const { uids } = await appender.append(users[user].id, users[user].boxes[box], [
    { data, flags, internalDate: date },
  ]);
  return uids[0];
}

const text = (node: EasElement | undefined, ...names: string[]): string | undefined => {
  let cur = node;
  for (const n of names) cur = child(cur, n);
  return cur?.text;
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'eas-email-'));
  blobs = new FileBlobStore(dir);
  await blobs.init();
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const publish = events.publish.bind(events);
  events.publish = async (c) => {
    published.push(c);
    await publish(c);
  };
  const admin = new MailboxAdmin(db, events);
  const domain = await db.query<{ id: string }>(`INSERT INTO domains (name) VALUES ('a.test') RETURNING id`);
  for (const address of ['ann@a.test', 'ben@a.test']) {
    const row = await db.query<{ id: string }>(
      `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
      [domain.rows[0].id, address],
    );
    const id = Number(row.rows[0].id);
    const boxes: Record<string, number> = {};
    for (const [name, use] of [
      ['INBOX', []],
      ['Trash', ['\\Trash']],
      ['Drafts', ['\\Drafts']],
    ] as [string, string[]][]) {
      const created = await admin.create(id, name, use);
      boxes[name] = created.ok && created.mailbox ? created.mailbox.id : (await admin.get(id, name))!.id;
    }
    users[address] = { id, boxes };
  }
  source = new EmailItemSource({ db, blobs, events, directory: {} as Directory });
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const ann = () => users['ann@a.test'];
const coll = (user: string, box: string) => `m${users[user].boxes[box]}`;

describe('classOf', () => {
  it('is Email for own mailboxes, null for another account or a non-mail id', async () => {
    expect(await source.classOf(ann().id, coll('ann@a.test', 'INBOX'))).toBe('Email');
    expect(await source.classOf(ann().id, coll('ben@a.test', 'INBOX'))).toBeNull();
    expect(await source.classOf(ann().id, 'm999999')).toBeNull();
    expect(await source.classOf(ann().id, 'c1')).toBeNull();
    expect(await source.classOf(ann().id, 'm01')).toBeNull();
  });
});

describe('applicationData', () => {
  let uid: number;
  let serverId: string;
  beforeAll(async () => {
    uid = await append('ann@a.test', 'INBOX', MULTIPART, ['\\Flagged', 'Project&ACA-X', '$Forwarded']);
    serverId = `${coll('ann@a.test', 'INBOX')}:${uid}`;
  });

  const render = async (o: RenderOptions) =>
    (await source.applicationData(ann().id, coll('ann@a.test', 'INBOX'), [serverId], o)).get(serverId)!;

  it('renders the header fields, flag, categories and conversation', async () => {
    const data = await render(options());
    expect(data.name).toBe('ApplicationData');
    expect(text(data, 'To')).toBe('"Ann Example" <ann@a.test>, bob@b.test');
    expect(text(data, 'Cc')).toBe('"Cat, C." <cat@a.test>');
    expect(text(data, 'From')).toBe('"Jörg" <jorg@a.test>');
    expect(text(data, 'ReplyTo')).toBe('replies@a.test');
    expect(text(data, 'Subject')).toBe('Grüße and plans');
    expect(text(data, 'DisplayTo')).toBe('Ann Example; bob@b.test');
    expect(text(data, 'DateReceived')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(text(data, 'Importance')).toBe('2');
    expect(text(data, 'Read')).toBe('0');
    expect(text(data, 'MessageClass')).toBe('IPM.Note');
    expect(text(data, 'InternetCPID')).toBe('65001');
    expect(text(data, 'Flag', 'Status')).toBe('2');
    expect(text(data, 'Flag', 'FlagType')).toBe('Flag for follow up');
    expect(childrenNamed(child(data, 'Categories'), 'Category').map((c) => c.text)).toEqual(['Project X']);
    expect(text(data, 'NativeBodyType')).toBe('2');
    expect(child(data, 'ConversationId')?.opaque?.length).toBe(16);
    expect(child(data, 'ConversationIndex')?.opaque?.length).toBe(5);
    // No 2.5-style Email:Body in 14+/16.x: only airsyncbase:Body.
    expect(data.children.filter((c) => c.name === 'Body').every((c) => c.page === 17)).toBe(true);
    // The tree encodes and decodes as WBXML.
    const sync = el('AirSync', 'Sync', data);
    expect(decodeWbxml(encodeWbxml(sync))).toEqual(sync);
  });

  it('lists the attachment with its FileReference (the IMAP part number)', async () => {
    const att = child(child(await render(options()), 'Attachments'), 'Attachment');
    expect(text(att, 'DisplayName')).toBe('plan.pdf');
    expect(text(att, 'FileReference')).toBe(`${serverId}:2`);
    expect(text(att, 'Method')).toBe('1');
    expect(Number(text(att, 'EstimatedDataSize'))).toBeGreaterThan(30);
  });

  it('gives HTML truncated at the requested size, whole when it fits', async () => {
    const body = child(await render(options()), 'Body');
    expect(text(body, 'Type')).toBe('2');
    expect(text(body, 'Truncated')).toBe('1');
    expect(Buffer.byteLength(text(body, 'Data')!, 'utf8')).toBeLessThanOrEqual(32);
    expect(text(body, 'Data')).toMatch(/^<p>Hall&ouml;chen/);
    const whole = child(await render(options({ bodyPreferences: [{ type: 2 }] })), 'Body');
    expect(child(whole, 'Truncated')).toBeUndefined();
    expect(text(whole, 'Data')).toBe('<p>Hall&ouml;chen, <b>the plan</b> is ready.</p>');
    expect(text(whole, 'EstimatedDataSize')).toBe(String(Buffer.byteLength(text(whole, 'Data')!)));
  });

  it('gives plain text decoded from its charset, with a preview', async () => {
    const body = child(
      await render(options({ bodyPreferences: [{ type: 1, truncationSize: 12, preview: 10 }] })),
      'Body',
    );
    expect(text(body, 'Type')).toBe('1');
    // 12 UTF-8 bytes ("ö" is two); a cut inside a character backs off to the character before.
    expect(text(body, 'Data')).toBe('Hallöchen, ');
    expect(text(body, 'Truncated')).toBe('1');
    expect(text(body, 'Preview')).toBe('Hallöchen,');
    const mid = child(await render(options({ bodyPreferences: [{ type: 1, truncationSize: 5 }] })), 'Body');
    expect(text(mid, 'Data')).toBe('Hall');
  });

  it('AllOrNone: a body that does not fit is not sent at all', async () => {
    const body = child(
      await render(options({ bodyPreferences: [{ type: 1, truncationSize: 12, allOrNone: true }] })),
      'Body',
    );
    expect(child(body, 'Data')).toBeUndefined();
    expect(text(body, 'Truncated')).toBe('1');
  });

  it('gives MIME (type 4) with MIMESupport 2, truncated by MIMETruncation', async () => {
    const full = child(
      await render(options({ mimeSupport: 2, bodyPreferences: [{ type: 2 }, { type: 4 }] })),
      'Body',
    );
    expect(text(full, 'Type')).toBe('4');
    expect(text(full, 'Data')).toBe(MULTIPART.toString('utf8'));
    expect(text(full, 'EstimatedDataSize')).toBe(String(MULTIPART.length));
    const cut = child(
      await render(options({ mimeSupport: 2, mimeTruncation: 100, bodyPreferences: [{ type: 4 }] })),
      'Body',
    );
    expect(text(cut, 'Data')).toBe(MULTIPART.subarray(0, 100).toString('utf8'));
    expect(text(cut, 'Truncated')).toBe('1');
  });

  it('leaves out items of other folders, other accounts and missing ones', async () => {
    const other = await append('ben@a.test', 'INBOX', PLAIN('ben'));
    const benId = `${coll('ben@a.test', 'INBOX')}:${other}`;
    const found = await source.applicationData(
      ann().id,
      coll('ann@a.test', 'INBOX'),
      [benId, `${coll('ann@a.test', 'INBOX')}:999`, 'garbage', serverId],
      options(),
    );
    expect([...found.keys()]).toEqual([serverId]);
    expect(
      (await source.applicationData(ann().id, coll('ben@a.test', 'INBOX'), [benId], options())).size,
    ).toBe(0);
  });
});

describe('versions', () => {
  it('covers the filter window, leaves out \\Deleted, and changes with a flag', async () => {
    const inbox = coll('ann@a.test', 'INBOX');
    const day = 24 * 3600 * 1000;
    const old = await append('ann@a.test', 'INBOX', PLAIN('old'), [], new Date(Date.now() - 10 * day));
    const gone = await append('ann@a.test', 'INBOX', PLAIN('gone'), ['\\Deleted']);
    const fresh = await append('ann@a.test', 'INBOX', PLAIN('fresh'));
    const all = await source.versions(ann().id, inbox, 0);
    expect(all.has(`${inbox}:${old}`)).toBe(true);
    expect(all.has(`${inbox}:${gone}`)).toBe(false);
    const week = await source.versions(ann().id, inbox, 3);
    expect(week.has(`${inbox}:${old}`)).toBe(false);
    expect(week.has(`${inbox}:${fresh}`)).toBe(true);
    expect((await source.versions(ann().id, inbox, 4)).has(`${inbox}:${old}`)).toBe(true);
    const before = all.get(`${inbox}:${fresh}`);
    const result = await source.change(
      ann().id,
      inbox,
      `${inbox}:${fresh}`,
      el('AirSync', 'ApplicationData', el('Email', 'Read', 1)),
      '16.1',
    );
    expect(result.status).toBe(1);
    const after = (await source.versions(ann().id, inbox, 0)).get(`${inbox}:${fresh}`);
    expect(after).not.toBe(before);
    expect((await source.versions(ann().id, coll('ben@a.test', 'INBOX'), 0)).size).toBe(0);
  });
});

describe('client changes', () => {
  const data = (...content: EasElement[]) => el('AirSync', 'ApplicationData', ...content);
  const flagsOf = async (user: string, box: string, uid: number) =>
    (
      await db.query<{ flags: string[] }>(`SELECT flags FROM messages WHERE mailbox_id = $1 AND uid = $2`, [
        users[user].boxes[box],
        uid,
      ])
    ).rows[0]?.flags;

  it('Read, Flag and Categories become \\Seen, \\Flagged and keywords, with a flags event', async () => {
    const uid = await append('ann@a.test', 'INBOX', PLAIN('change me'), ['$Forwarded', 'old']);
    const inbox = coll('ann@a.test', 'INBOX');
    published.length = 0;
    const result = await source.change(
      ann().id,
      inbox,
      `${inbox}:${uid}`,
      data(
        el('Email', 'Read', 1),
        el('Email', 'Flag', el('Email', 'Status', 2), el('Email', 'FlagType', 'Flag for follow up')),
        el('Email', 'Categories', el('Email', 'Category', 'Blue team'), el('Email', 'Category', 'Ünïcode')),
        el('Email', 'Subject', 'ignored'),
      ),
      '16.1',
    );
    expect(result.status).toBe(1);
    const flags = await flagsOf('ann@a.test', 'INBOX', uid);
    expect(flags).toEqual(expect.arrayContaining(['\\Seen', '\\Flagged', '$Forwarded', 'Blue&ACA-team']));
    expect(flags).not.toContain('old');
    // One flags event per store statement (additions, then removals), as IMAP STORE gives.
    expect([...new Set(published.map((p) => p.kind))]).toEqual(['flags']);
    // Rendered back as the device wrote them.
    const item = (await source.applicationData(ann().id, inbox, [`${inbox}:${uid}`], options())).get(
      `${inbox}:${uid}`,
    );
    expect(childrenNamed(child(item, 'Categories'), 'Category').map((c) => c.text)).toEqual([
      'Blue team',
      'Ünïcode',
    ]);
    expect(text(item, 'Read')).toBe('1');
    // Clearing: Flag status 0 (and complete, 1) unflags; an empty Categories removes them all.
    await source.change(
      ann().id,
      inbox,
      `${inbox}:${uid}`,
      data(el('Email', 'Read', 0), el('Email', 'Flag', el('Email', 'Status', 1)), el('Email', 'Categories')),
      '14.1',
    );
    expect((await flagsOf('ann@a.test', 'INBOX', uid))?.sort()).toEqual(['$Forwarded']);
  });

  it("answers 8 for a missing item or another account's", async () => {
    const inbox = coll('ann@a.test', 'INBOX');
    const change = data(el('Email', 'Read', 1));
    expect((await source.change(ann().id, inbox, `${inbox}:99999`, change, '16.1')).status).toBe(8);
    const benUid = await append('ben@a.test', 'INBOX', PLAIN('not yours'));
    const benBox = coll('ben@a.test', 'INBOX');
    expect((await source.change(ann().id, benBox, `${benBox}:${benUid}`, change, '16.1')).status).toBe(8);
    expect((await source.change(ann().id, inbox, `${benBox}:${benUid}`, change, '16.1')).status).toBe(8);
    expect(
      (await source.remove(ann().id, benBox, `${benBox}:${benUid}`, { deletesAsMoves: false })).status,
    ).toBe(8);
    expect(await flagsOf('ben@a.test', 'INBOX', benUid)).toEqual([]);
  });
});

describe('remove', () => {
  const count = async (user: string, box: string) =>
    Number(
      (
        await db.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE mailbox_id = $1`, [
          users[user].boxes[box],
        ])
      ).rows[0].n,
    );

  it('deletesAsMoves moves to Trash; in Trash, or without it, the message is expunged', async () => {
    const inbox = coll('ann@a.test', 'INBOX');
    const trash = coll('ann@a.test', 'Trash');
    const uid = await append('ann@a.test', 'INBOX', PLAIN('to trash'));
    const trashBefore = await count('ann@a.test', 'Trash');
    expect((await source.remove(ann().id, inbox, `${inbox}:${uid}`, { deletesAsMoves: true })).status).toBe(
      1,
    );
    expect(await count('ann@a.test', 'Trash')).toBe(trashBefore + 1);
    expect((await source.versions(ann().id, inbox, 0)).has(`${inbox}:${uid}`)).toBe(false);
    const [trashed] = [...(await source.versions(ann().id, trash, 0)).keys()];
    expect((await source.remove(ann().id, trash, trashed, { deletesAsMoves: true })).status).toBe(1);
    expect(await count('ann@a.test', 'Trash')).toBe(trashBefore);
    const other = await append('ann@a.test', 'INBOX', PLAIN('hard delete'));
    published.length = 0;
    expect(
      (await source.remove(ann().id, inbox, `${inbox}:${other}`, { deletesAsMoves: false })).status,
    ).toBe(1);
    expect(published.map((p) => p.kind)).toEqual(['flags', 'expunge']);
    expect(
      (await source.remove(ann().id, inbox, `${inbox}:${other}`, { deletesAsMoves: false })).status,
    ).toBe(8);
  });
});

describe('add', () => {
  const draft = el(
    'AirSync',
    'ApplicationData',
    el('Email', 'To', '"Bob" <bob@b.test>'),
    el('Email2', 'Bcc', 'secret@b.test'),
    el('Email', 'Subject', 'Draft\r\nBcc: injected@evil.test'),
    el('AirSyncBase', 'Body', el('AirSyncBase', 'Type', 1), el('AirSyncBase', 'Data', 'Draft body')),
  );

  it('stores a 16.x draft in Drafts with \\Draft, and refuses mail elsewhere or in 14.x', async () => {
    const drafts = coll('ann@a.test', 'Drafts');
    expect((await source.add(ann().id, coll('ann@a.test', 'INBOX'), draft, '16.1')).status).toBe(6);
    expect((await source.add(ann().id, drafts, draft, '14.1')).status).toBe(6);
    expect((await source.add(ann().id, coll('ben@a.test', 'Drafts'), draft, '16.1')).status).toBe(6);
    const result = await source.add(ann().id, drafts, draft, '16.1');
    expect(result.status).toBe(1);
    const item = (await source.applicationData(ann().id, drafts, [result.serverId!], options())).get(
      result.serverId!,
    );
    expect(text(item, 'To')).toBe('"Bob" <bob@b.test>');
    expect(text(item, 'From')).toBe('ann@a.test');
    expect(text(item, 'Subject')).toBe('Draft Bcc: injected@evil.test');
    expect(text(item, 'IsDraft')).toBe('1');
    expect(text(child(item, 'Body'), 'Data')).toContain('Draft body');
    const row = await db.query<{ flags: string[] }>(`SELECT flags FROM messages WHERE mailbox_id = $1`, [
      users['ann@a.test'].boxes.Drafts,
    ]);
    expect(row.rows[0].flags).toEqual(expect.arrayContaining(['\\Draft', '\\Seen']));
  });
});

describe('rendering edge cases', () => {
  const one = async (raw: Buffer, flags: string[] = [], o: RenderOptions = options()) => {
    const uid = await append('ann@a.test', 'INBOX', raw, flags);
    const id = `${coll('ann@a.test', 'INBOX')}:${uid}`;
    return (await source.applicationData(ann().id, coll('ann@a.test', 'INBOX'), [id], o)).get(id)!;
  };

  it('sends 8-bit MIME that is not UTF-8 as opaque bytes, its text decoded from the charset', async () => {
    const raw = Buffer.concat([
      CRLF(
        'From: a@a.test\nTo: ann@a.test\nSubject: latin\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n',
      ),
      Buffer.from('Gr\xfc\xdfe\r\n', 'latin1'),
    ]);
    const mime = child(
      await one(raw, [], options({ mimeSupport: 2, bodyPreferences: [{ type: 4 }] })),
      'Body',
    );
    expect(child(mime, 'Data')?.opaque?.equals(raw)).toBe(true);
    const plain = child(await one(raw, [], options({ bodyPreferences: [{ type: 1 }] })), 'Body');
    expect(text(plain, 'Data')).toBe('Grüße\r\n');
    expect(text(plain, 'Type')).toBe('1');
  });

  it('marks inline images of multipart/related with ContentId and IsInline; plain text becomes HTML on request', async () => {
    const data = await one(
      CRLF(`From: a@a.test
To: ann@a.test
Subject: inline
Content-Type: multipart/related; boundary=r

--r
Content-Type: text/html; charset=utf-8

<img src="cid:logo@a.test">
--r
Content-Type: image/png
Content-ID: <logo@a.test>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--r--
`),
    );
    const att = child(child(data, 'Attachments'), 'Attachment');
    expect(text(att, 'ContentId')).toBe('logo@a.test');
    expect(text(att, 'IsInline')).toBe('1');
    expect(text(att, 'FileReference')).toMatch(/:2$/);
    const plain = await one(
      CRLF('From: a@a.test\nSubject: p\n\n<b>x</b> & y\n'),
      [],
      options({ bodyPreferences: [{ type: 2 }] }),
    );
    // The text is escaped, never taken as markup.
    expect(text(plain, 'Body', 'Data')).toBe('<pre>&lt;b&gt;x&lt;/b&gt; &amp; y\r\n</pre>');
    expect(text(plain, 'NativeBodyType')).toBe('1');
  });

  it('LastVerbExecuted from \\Answered / $Forwarded, Sender on behalf of From, meeting requests', async () => {
    const data = await one(
      CRLF(`From: boss@a.test
Sender: assistant@a.test
To: ann@a.test
Subject: Meeting
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
END:VCALENDAR
`),
      ['\\Answered'],
    );
    expect(text(data, 'LastVerbExecuted')).toBe('1');
    expect(text(data, 'Sender')).toBe('assistant@a.test');
    expect(text(data, 'MessageClass')).toBe('IPM.Schedule.Meeting.Request');
    const forwarded = await one(PLAIN('fwd'), ['$Forwarded', '\\Answered']);
    expect(text(forwarded, 'LastVerbExecuted')).toBe('3');
    expect(child(forwarded, 'Sender')).toBeUndefined();
  });
});
