/**
 * The IMAP role with a real client (imapflow) over a real socket: the Thunderbird/iOS path
 * (capabilities, login, LIST with SPECIAL-USE, SELECT with CONDSTORE, UID FETCH of the usual
 * items, UID STORE, COPY/MOVE with COPYUID, APPEND with APPENDUID, EXPUNGE, STATUS, SEARCH,
 * IDLE pushed by a delivery) plus mailbox management and quota.
 */
import type { ImapFlow } from 'imapflow';
import { eventually } from '../helpers/in-process-node';
import { addUser, client, deliver, startImapHarness, type ImapHarness } from './imap-harness';

let h: ImapHarness;
const open: ImapFlow[] = [];

async function connect(user = 'alice@example.test', pass = 'alice-pw'): Promise<ImapFlow> {
  const c = client(h, user, pass);
  await c.connect();
  open.push(c);
  return c;
}

const message = (subject: string, body = 'Hello there', extra = ''): string =>
  `From: Bob Example <bob@example.org>\r\nTo: Alice <alice@example.test>\r\nSubject: ${subject}\r\n` +
  `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n${extra}\r\n${body}\r\n`;

beforeAll(async () => {
  h = await startImapHarness();
  await addUser(h, 'alice@example.test', 'alice-pw');
  await addUser(h, 'bob@example.test', 'bob-pw');
  await addUser(h, 'tiny@example.test', 'tiny-pw', 4000);
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.logout().catch(() => c.close());
});

afterAll(async () => {
  await h.close();
});

describe('IMAP with imapflow', () => {
  it('logs in and advertises the extensions', async () => {
    const c = await connect();
    const caps = c.capabilities;
    for (const cap of [
      'IMAP4rev1',
      'IMAP4rev2',
      'IDLE',
      'UIDPLUS',
      'MOVE',
      'CONDSTORE',
      'QRESYNC',
      'SPECIAL-USE',
      'ESEARCH',
      'SORT',
      'QUOTA',
      'LITERAL+',
    ]) {
      expect([cap, caps.has(cap)]).toEqual([cap, true]);
    }
  });

  it('rejects a wrong password', async () => {
    const c = client(h, 'alice@example.test', 'wrong');
    await expect(c.connect()).rejects.toThrow();
  });

  it('lists mailboxes with special-use attributes', async () => {
    const c = await connect();
    const list = await c.list();
    const byPath = new Map(list.map((m) => [m.path, m]));
    expect([...byPath.keys()].sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    expect(byPath.get('Sent')!.specialUse).toBe('\\Sent');
    expect(byPath.get('Trash')!.specialUse).toBe('\\Trash');
    expect(byPath.get('INBOX')!.specialUse).toBe('\\Inbox');
  });

  it('appends, fetches the usual items, stores flags, searches', async () => {
    const c = await connect();
    const appended = await c.append('INBOX', message('First message'), ['\\Flagged']);
    expect(appended).toBeTruthy();
    const { uid, uidValidity } = appended as { uid: number; uidValidity: bigint };
    expect(uid).toBeGreaterThan(0);
    const box = await c.mailboxOpen('INBOX');
    expect(box.uidValidity).toBe(uidValidity);
    expect(Number(box.highestModseq)).toBeGreaterThan(0);
    const msg = await c.fetchOne(
      String(uid),
      {
        uid: true,
        flags: true,
        size: true,
        envelope: true,
        bodyStructure: true,
        internalDate: true,
        headers: ['subject', 'from'],
        source: true,
      },
      { uid: true },
    );
    expect(msg).toBeTruthy();
    if (!msg) return;
    expect(msg.uid).toBe(uid);
    expect(msg.flags!.has('\\Flagged')).toBe(true);
    expect(msg.envelope!.subject).toBe('First message');
    expect(msg.envelope!.from![0]).toMatchObject({ name: 'Bob Example', address: 'bob@example.org' });
    expect(msg.envelope!.messageId).toBe('<Firstmessage@example.org>');
    expect(msg.bodyStructure!.type).toBe('text/plain');
    expect(msg.size).toBe(message('First message').length);
    expect(msg.source!.toString()).toBe(message('First message'));
    expect(msg.headers!.toString()).toBe(
      'From: Bob Example <bob@example.org>\r\nSubject: First message\r\n\r\n',
    );
    // BODY.PEEK does not set \Seen.
    const again = await c.fetchOne(String(uid), { flags: true }, { uid: true });
    expect(again && again.flags!.has('\\Seen')).toBe(false);

    await c.messageFlagsAdd(String(uid), ['\\Seen', '$Important'], { uid: true });
    const flagged = await c.fetchOne(String(uid), { flags: true }, { uid: true });
    expect(flagged && [...flagged.flags!].sort()).toEqual(['$Important', '\\Flagged', '\\Seen']);
    await c.messageFlagsRemove(String(uid), ['\\Flagged'], { uid: true });

    expect(await c.search({ subject: 'first' }, { uid: true })).toEqual([uid]);
    expect(await c.search({ seen: false }, { uid: true })).toEqual([]);
    expect(await c.search({ body: 'hello there' }, { uid: true })).toEqual([uid]);
    expect(await c.search({ from: 'bob@example.org', flagged: false }, { uid: true })).toEqual([uid]);
    expect(await c.search({ keyword: '$Important' }, { uid: true })).toEqual([uid]);
  });

  it('copies and moves with COPYUID, expunges deleted messages', async () => {
    const c = await connect('bob@example.test', 'bob-pw');
    for (let i = 1; i <= 4; i++) await c.append('INBOX', message(`Bob ${i}`));
    await c.mailboxOpen('INBOX');
    const copied = await c.messageCopy('1:2', 'Archive', { uid: true });
    expect(copied).toBeTruthy();
    expect([...(copied as { uidMap: Map<number, number> }).uidMap.entries()]).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const moved = await c.messageMove('3', 'Trash', { uid: true });
    expect(moved && [...(moved as { uidMap: Map<number, number> }).uidMap.entries()]).toEqual([[3, 1]]);
    expect(c.mailbox && (c.mailbox as { exists: number }).exists).toBe(3);
    await c.messageDelete('1', { uid: true });
    const uids = (await c.search({ all: true }, { uid: true })) as number[];
    expect(uids).toEqual([2, 4]);
    const archive = await c.status('Archive', { messages: true, uidNext: true, unseen: true });
    expect(archive).toMatchObject({ messages: 2, uidNext: 3, unseen: 2 });
    const trash = await c.status('Trash', { messages: true });
    expect(trash).toMatchObject({ messages: 1 });
  });

  it('creates, renames, subscribes and deletes mailboxes (modified UTF-7 names)', async () => {
    const c = await connect();
    await c.mailboxCreate('Projects/Été 2024');
    let list = await c.list();
    expect(list.map((m) => m.path)).toEqual(expect.arrayContaining(['Projects', 'Projects/Été 2024']));
    const parent = list.find((m) => m.path === 'Projects')!;
    expect(parent.flags.has('\\HasChildren')).toBe(true);
    await c.mailboxRename('Projects', 'Work');
    list = await c.list();
    expect(list.map((m) => m.path)).toEqual(expect.arrayContaining(['Work', 'Work/Été 2024']));
    expect(list.map((m) => m.path)).not.toContain('Projects');
    await c.mailboxSubscribe('Work/Été 2024');
    const subscribed = await c.listTree();
    expect(JSON.stringify(subscribed)).toContain('Été 2024');
    await expect(c.mailboxDelete('Work')).rejects.toThrow();
    await c.mailboxDelete('Work/Été 2024');
    await c.mailboxDelete('Work');
    list = await c.list();
    expect(list.map((m) => m.path)).not.toContain('Work');
  });

  it('pushes a delivered message to an idling session at once', async () => {
    const c = await connect();
    await c.mailboxOpen('INBOX');
    const before = (c.mailbox as { exists: number }).exists;
    const seen: number[] = [];
    c.on('exists', (data: { count: number }) => seen.push(data.count));
    const idling = c.idle();
    await new Promise((r) => setTimeout(r, 100));
    await deliver(h, 'alice@example.test', 'Pushed', 'delivered while idling');
    await eventually(async () => seen.includes(before + 1));
    await c.noop();
    await idling.catch(() => undefined);
  });

  it('sees another session’s flag changes and expunges', async () => {
    const a = await connect();
    const b = await connect();
    await a.append('Drafts', message('Shared 1'));
    await a.append('Drafts', message('Shared 2'));
    await a.mailboxOpen('Drafts');
    await b.mailboxOpen('Drafts');
    const flags: { uid?: number; flags?: Set<string> }[] = [];
    const expunged: number[] = [];
    a.on('flags', (data: { uid?: number; flags?: Set<string> }) => flags.push(data));
    a.on('expunge', (data: { seq: number }) => expunged.push(data.seq));
    await b.messageFlagsAdd('1', ['\\Answered'], { uid: true });
    await a.noop();
    await eventually(async () => flags.some((f) => f.flags?.has('\\Answered')));
    await b.messageDelete('1', { uid: true });
    await a.noop();
    await eventually(async () => expunged.includes(1));
    expect((a.mailbox as { exists: number }).exists).toBe(1);
  });

  it('enforces the quota on APPEND and COPY with OVERQUOTA', async () => {
    const c = await connect('tiny@example.test', 'tiny-pw');
    await c.append('INBOX', message('fits', 'x'.repeat(1000)));
    await expect(c.append('INBOX', message('too big', 'y'.repeat(5000)))).rejects.toThrow();
    await c.mailboxOpen('INBOX');
    await c.append('INBOX', message('second', 'z'.repeat(1500)));
    expect(await c.messageCopy('1:*', 'Archive')).toBe(false);
    const quota = await c.getQuota('INBOX');
    expect(quota).toBeTruthy();
    expect((quota as { storage: { limit: number } }).storage.limit).toBe(Math.floor(4000 / 1024) * 1024);
  });

  it('works over COMPRESS=DEFLATE', async () => {
    const c = await connect('bob@example.test', 'bob-pw');
    await c.mailboxOpen('INBOX');
    const all = [];
    for await (const m of c.fetch('1:*', { envelope: true, source: true })) all.push(m);
    expect(all.length).toBeGreaterThan(0);
    expect(all[0].source!.toString()).toContain('Subject: Bob');
  });
});
