/**
 * The Email item source (core/eas/email) over a real store on PGlite: rendering of a multipart
 * message (addresses, bodies of types 1/2/4 with truncation, attachments' FileReference),
 * edge cases of hostile or unusual mail, versions and filter windows, tenant isolation.
 */
import type { RenderOptions } from '../../../core/eas/sync/item-source';
import { child, childrenNamed, decodeWbxml, el, encodeWbxml } from '../../../core/eas/wbxml';
import { append, ann, coll, CRLF, options, PLAIN, store, text, useEmailStore } from './email-fixture';

useEmailStore();

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

describe('classOf', () => {
  it('is Email for own mailboxes, null for another account or a non-mail id', async () => {
    expect(await store.source.classOf(ann().id, coll('ann@a.test', 'INBOX'))).toBe('Email');
    expect(await store.source.classOf(ann().id, coll('ben@a.test', 'INBOX'))).toBeNull();
    expect(await store.source.classOf(ann().id, 'm999999')).toBeNull();
    expect(await store.source.classOf(ann().id, 'c1')).toBeNull();
    expect(await store.source.classOf(ann().id, 'm01')).toBeNull();
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
    (await store.source.applicationData(ann().id, coll('ann@a.test', 'INBOX'), [serverId], o)).get(serverId)!;

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
    const found = await store.source.applicationData(
      ann().id,
      coll('ann@a.test', 'INBOX'),
      [benId, `${coll('ann@a.test', 'INBOX')}:999`, 'garbage', serverId],
      options(),
    );
    expect([...found.keys()]).toEqual([serverId]);
    expect(
      (await store.source.applicationData(ann().id, coll('ben@a.test', 'INBOX'), [benId], options())).size,
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
    const all = await store.source.versions(ann().id, inbox, 0);
    expect(all.has(`${inbox}:${old}`)).toBe(true);
    expect(all.has(`${inbox}:${gone}`)).toBe(false);
    const week = await store.source.versions(ann().id, inbox, 3);
    expect(week.has(`${inbox}:${old}`)).toBe(false);
    expect(week.has(`${inbox}:${fresh}`)).toBe(true);
    expect((await store.source.versions(ann().id, inbox, 4)).has(`${inbox}:${old}`)).toBe(true);
    const before = all.get(`${inbox}:${fresh}`);
    const result = await store.source.change(
      ann().id,
      inbox,
      `${inbox}:${fresh}`,
      el('AirSync', 'ApplicationData', el('Email', 'Read', 1)),
      '16.1',
    );
    expect(result.status).toBe(1);
    const after = (await store.source.versions(ann().id, inbox, 0)).get(`${inbox}:${fresh}`);
    expect(after).not.toBe(before);
    expect((await store.source.versions(ann().id, coll('ben@a.test', 'INBOX'), 0)).size).toBe(0);
  });
});

describe('rendering edge cases', () => {
  const one = async (raw: Buffer, flags: string[] = [], o: RenderOptions = options()) => {
    const uid = await append('ann@a.test', 'INBOX', raw, flags);
    const id = `${coll('ann@a.test', 'INBOX')}:${uid}`;
    return (await store.source.applicationData(ann().id, coll('ann@a.test', 'INBOX'), [id], o)).get(id)!;
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
