/**
 * The Email class over real HTTP against a node: a multipart message with an attachment,
 * delivered over SMTP, synced by a 16.1 device with plain, HTML and MIME bodies (truncated and
 * whole), its attachment fetched by the FileReference the Sync gave; Read, Flag and Categories
 * set over EAS are seen over IMAP and JMAP, a flag set over IMAP comes back as a Change; a
 * delete with DeletesAsMoves lands in Trash; a 16.x draft is added to Drafts. Every response
 * body is also decoded by libwbxml's wbxml2xml and compared with our decoder.
 */
import { ImapFlow } from 'imapflow';
import { el, textAt, childrenNamed, child, type EasElement } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE, type SyncItem } from '../helpers/eas-client';
import { eventually } from '../helpers/eventually';
import { JmapTestClient } from '../helpers/jmap-client';
import { LIBWBXML, LIBWBXML_MISSING } from '../unit/eas/libwbxml';
import { expectSameAsLibwbxml } from './eas-golden';
import { USING, WebHarness } from './web-harness';

let h: WebHarness;
let phone: EasClient;
const ALICE = 'alice@easmail.example';
const BOB = 'bob@easmail.example';
const PASSWORD = 'correct horse battery 7';
const folders = { inbox: '', trash: '', drafts: '' };
const PDF = Buffer.from('%PDF-1.4\n% a small attachment for the Email class test\n');
const HTML = '<p>Grüße, <b>the plan</b> is attached.</p>';

const base = (name: string, ...content: (EasElement | string | number)[]) =>
  el('AirSyncBase', name, ...content);
const airsync = (name: string, ...content: (EasElement | string | number)[]) =>
  el('AirSync', name, ...content);
const email = (name: string, ...content: (EasElement | string | number)[]) => el('Email', name, ...content);
const pref = (type: number, size?: number) =>
  base('BodyPreference', base('Type', type), ...(size === undefined ? [] : [base('TruncationSize', size)]));

async function imap<T>(mailbox: string, run: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: h.node.ports.imap!,
    secure: false,
    doSTARTTLS: false,
    auth: { user: ALICE, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  const lock = await client.getMailboxLock(mailbox);
  try {
    return await run(client);
  } finally {
    lock.release();
    await client.logout();
  }
}
const imapFlags = (mailbox: string, subject: string) =>
  imap(mailbox, async (c) => {
    const [uid] = (await c.search({ subject }, { uid: true })) || [];
    if (!uid) return null;
    const message = await c.fetchOne(String(uid), { flags: true }, { uid: true });
    return message ? { uid, flags: [...(message.flags ?? [])].sort() } : null;
  });

const jmap = () => new JmapTestClient(() => h.node.ports.http!, PASSWORD, USING);
const MAIL = 'urn:ietf:params:jmap:mail';
async function jmapKeywords(subject: string): Promise<Record<string, boolean>> {
  const accountId = await jmap().accountId(ALICE, MAIL);
  const [[, query], [, got]] = await jmap().call(ALICE, [
    ['Email/query', { accountId, filter: { subject } }, 'q'],
    [
      'Email/get',
      { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['keywords'] },
      'g',
    ],
  ]);
  expect(query.ids).toHaveLength(1);
  return got.list[0].keywords;
}

/** Syncs the Inbox until `done` holds for the collected items (mail arrives asynchronously). */
async function syncInbox(options: EasElement[], extra: Partial<Parameters<EasClient['sync']>[0][0]> = {}) {
  const result = await phone.sync([{ collectionId: folders.inbox, options, ...extra }]);
  expect(result.collections[folders.inbox]?.status).toBe('1');
  return result.collections[folders.inbox]!;
}

let item: SyncItem;

beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.addUser(ALICE, PASSWORD);
  await h.addUser(BOB, PASSWORD);
  phone = new EasClient(h.base, ALICE, PASSWORD, { ...IPHONE, deviceId: 'EmailPhone1' });
  await phone.provision();
  const { adds } = await phone.folderSync('0');
  folders.inbox = adds.find((f) => f.type === '2')!.serverId;
  folders.drafts = adds.find((f) => f.type === '3')!.serverId;
  folders.trash = adds.find((f) => f.type === '4')!.serverId;
  await h.sendSmtp(BOB, ALICE, 'Plans', {
    text: 'Grüße, the plan is attached. '.repeat(20),
    html: HTML,
    attachments: [{ filename: 'plan.pdf', content: PDF, contentType: 'application/pdf' }],
  });
  await eventually(() => imapFlags('INBOX', 'Plans'));
  await phone.sync([{ collectionId: folders.inbox }]);
  const first = await syncInbox([airsync('FilterType', 0), pref(2, 20)]);
  expect(first.adds).toHaveLength(1);
  item = first.adds[0];
}, 120_000);
afterAll(async () => h?.stop());

describe('rendering', () => {
  it('has the header fields and a truncated HTML body', () => {
    const data = item.data;
    expect(item.serverId).toMatch(new RegExp(`^${folders.inbox}:\\d+$`));
    expect(textAt(data, 'From')).toBe(BOB);
    expect(textAt(data, 'To')).toBe(ALICE);
    expect(textAt(data, 'Subject')).toBe('Plans');
    expect(textAt(data, 'Read')).toBe('0');
    expect(textAt(data, 'MessageClass')).toBe('IPM.Note');
    expect(textAt(data, 'NativeBodyType')).toBe('2');
    expect(textAt(data, 'Body', 'Type')).toBe('2');
    expect(textAt(data, 'Body', 'Truncated')).toBe('1');
    expect(Buffer.byteLength(textAt(data, 'Body', 'Data')!)).toBeLessThanOrEqual(20);
    expect(Number(textAt(data, 'Body', 'EstimatedDataSize'))).toBe(Buffer.byteLength(HTML));
  });

  it('fetches whole plain, HTML and MIME bodies by ItemOperations', async () => {
    const io = (name: string, ...content: (EasElement | string)[]) => el('ItemOperations', name, ...content);
    const fetchWith = async (...options: EasElement[]) => {
      const res = await phone.post(
        'ItemOperations',
        io(
          'ItemOperations',
          io(
            'Fetch',
            io('Store', 'Mailbox'),
            airsync('CollectionId', folders.inbox),
            airsync('ServerId', item.serverId),
            io('Options', ...options),
          ),
        ),
      );
      return child(child(child(res.tree ?? undefined, 'Response'), 'Fetch'), 'Properties');
    };
    const html = await fetchWith(pref(2));
    expect(textAt(html, 'Body', 'Data')).toBe(HTML);
    const plain = await fetchWith(pref(1));
    expect(textAt(plain, 'Body', 'Data')).toContain('Grüße, the plan is attached.');
    const mime = await fetchWith(airsync('MIMESupport', 2), pref(4));
    expect(textAt(mime, 'Body', 'Type')).toBe('4');
    expect(textAt(mime, 'Body', 'Data')).toMatch(/Subject: Plans\r\n/);
    expect(textAt(mime, 'Body', 'Data')).toContain('Content-Type: application/pdf');
  });

  it('gives an attachment whose FileReference ItemOperations fetches', async () => {
    const attachments = childrenNamed(child(item.data, 'Attachments'), 'Attachment');
    expect(attachments).toHaveLength(1);
    const reference = textAt(attachments[0], 'FileReference')!;
    expect(reference).toMatch(new RegExp(`^${item.serverId}:\\d+(\\.\\d+)*$`));
    expect(textAt(attachments[0], 'DisplayName')).toBe('plan.pdf');
    const io = (name: string, ...content: (EasElement | string)[]) => el('ItemOperations', name, ...content);
    const res = await phone.post(
      'ItemOperations',
      io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), base('FileReference', reference))),
    );
    const data = textAt(res.tree ?? undefined, 'Response', 'Fetch', 'Properties', 'Data');
    expect(Buffer.from(data ?? '', 'base64').equals(PDF)).toBe(true);
  });
});

describe('changes', () => {
  it('Read, Flag and Categories over EAS are seen over IMAP and JMAP', async () => {
    const change = airsync(
      'Change',
      airsync('ServerId', item.serverId),
      airsync(
        'ApplicationData',
        email('Read', 1),
        email('Flag', email('Status', 2), email('FlagType', 'Flag for follow up')),
        email('Categories', email('Category', 'Work')),
      ),
    );
    const result = await syncInbox([pref(1, 10)], { commands: [change] });
    expect(result.responses.changes.filter((c) => c.status !== '1')).toEqual([]);
    expect((await imapFlags('INBOX', 'Plans'))?.flags).toEqual(['Work', '\\Flagged', '\\Seen'].sort());
    expect(await jmapKeywords('Plans')).toMatchObject({ $seen: true, $flagged: true, work: true });
  });

  it('a flag cleared over IMAP comes back as a Change with an empty Flag', async () => {
    await imap('INBOX', async (c) => {
      const [uid] = (await c.search({ subject: 'Plans' }, { uid: true })) || [];
      await c.messageFlagsRemove(String(uid), ['\\Flagged'], { uid: true });
    });
    const result = await syncInbox([pref(1, 10)]);
    const changed = result.changes.find((c) => c.serverId === item.serverId);
    expect(changed).toBeDefined();
    expect(child(changed!.data, 'Flag')?.children ?? []).toEqual([]);
    expect(textAt(changed!.data, 'Read')).toBe('1');
  });

  it('a delete with DeletesAsMoves lands in Trash', async () => {
    const del = airsync('Delete', airsync('ServerId', item.serverId));
    const result = await syncInbox([pref(1, 10)], { commands: [del], deletesAsMoves: true });
    expect(result.status).toBe('1');
    await eventually(async () => (await imapFlags('Trash', 'Plans')) !== null);
    expect(await imapFlags('INBOX', 'Plans')).toBeNull();
  });

  it('a 16.1 draft is added to Drafts', async () => {
    await phone.sync([{ collectionId: folders.drafts }]);
    const add = airsync(
      'Add',
      airsync('ClientId', 'draft-1'),
      airsync(
        'ApplicationData',
        email('To', BOB),
        email('Subject', 'Unfinished'),
        base('Body', base('Type', 1), base('Data', 'Dear Bob,')),
      ),
    );
    const result = await phone.sync([{ collectionId: folders.drafts, commands: [add] }]);
    const added = result.collections[folders.drafts]!.responses.adds[0];
    expect([added?.clientId, added?.status]).toEqual(['draft-1', '1']);
    expect(added?.serverId).toMatch(new RegExp(`^${folders.drafts}:\\d+$`));
    expect((await imapFlags('Drafts', 'Unfinished'))?.flags).toEqual(['\\Draft', '\\Seen']);
  });
});

describe('meeting requests', () => {
  it('an iTIP invitation syncs with email:MeetingRequest (times, series, UID)', async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Nimbus test//EN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:e2e-weekly@easmail.example',
      'DTSTAMP:20261201T083000Z',
      'DTSTART:20261207T090000Z',
      'DTEND:20261207T100000Z',
      'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10',
      'SUMMARY:Weekly review',
      'LOCATION:Room 2',
      `ORGANIZER;CN=Bob:mailto:${BOB}`,
      `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${ALICE}`,
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    await h.sendSmtp(BOB, ALICE, 'Invitation: Weekly review', {
      icalEvent: { method: 'REQUEST', content: ics },
    });
    await eventually(() => imapFlags('INBOX', 'Invitation: Weekly review'));
    const result = await syncInbox([airsync('FilterType', 0), pref(1, 100)]);
    const invite = result.adds.find((a) => textAt(a.data, 'Subject') === 'Invitation: Weekly review');
    expect(invite).toBeDefined();
    expect(textAt(invite!.data, 'MessageClass')).toBe('IPM.Schedule.Meeting.Request');
    const meeting = child(invite!.data, 'MeetingRequest');
    expect(textAt(meeting, 'StartTime')).toBe('2026-12-07T09:00:00.000Z');
    expect(textAt(meeting, 'EndTime')).toBe('2026-12-07T10:00:00.000Z');
    expect(textAt(meeting, 'InstanceType')).toBe('1');
    expect(textAt(meeting, 'Recurrences', 'Recurrence', 'Occurrences')).toBe('10');
    expect(textAt(meeting, 'Location', 'DisplayName')).toBe('Room 2');
    expect(textAt(meeting, 'UID')).toBe('e2e-weekly@easmail.example');
    expect(textAt(meeting, 'MeetingMessageType')).toBe('1');
  });
});

(LIBWBXML ? it : it.skip)('every response body decodes the same with wbxml2xml', () => {
  expect(phone.seen.length).toBeGreaterThan(3);
  // libwbxml's XML output goes through an XML parser, which turns the CRLFs of MIME data into LF.
  const lf = (node: EasElement): EasElement => ({
    ...node,
    text: node.text?.replace(/\r\n/g, '\n'),
    children: node.children.map(lf),
  });
  expectSameAsLibwbxml(phone.seen.map((s) => ({ body: s.body, tree: lf(s.tree) })));
});
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
