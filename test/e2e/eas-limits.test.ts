/**
 * `eas.limits` on a running node (issue #15): a device meets each configured limit over real
 * HTTP — SendMail refuses more recipients than allowed (Status 115, MS-ASCMD §2.2.3.177.15), a
 * Sync body is truncated at the configured cap whatever TruncationSize asks, Sync refuses more
 * collections than allowed (Status 4) and ResolveRecipients more To entries (Status 5).
 */
import { el, textAt, type EasElement } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE, type EasHttpResponse } from '../helpers/eas-client';
import { eventually } from '../helpers/eventually';
import { WebHarness } from './web-harness';

let h: WebHarness;
let phone: EasClient;
const ALICE = 'alice@easlimits.example';
const BOB = 'bob@easlimits.example';
const CAROL = 'carol@easlimits.example';
const DAVE = 'dave@easlimits.example';
const PASSWORD = 'correct horse battery 15';
const CAP = 1024;
const LONG = 'The quarterly figures, line by line. '.repeat(100); // ~3.7 KB, ASCII
const folders = { inbox: '', sent: '' };

const base = (name: string, ...content: (EasElement | string | number)[]) =>
  el('AirSyncBase', name, ...content);
const pref = (type: number, size?: number) =>
  base('BodyPreference', base('Type', type), ...(size === undefined ? [] : [base('TruncationSize', size)]));
const cm = (name: string, value?: string | Buffer) => el('ComposeMail', name, value);
const status = (res: EasHttpResponse) => textAt(res.tree ?? undefined, 'Status');

function sendTo(to: string[], clientId: string): Promise<EasHttpResponse> {
  const mime = [
    `From: ${ALICE}`,
    `To: ${to.join(', ')}`,
    `Subject: limits ${clientId}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'hello',
    '',
  ].join('\r\n');
  return phone.post(
    'SendMail',
    el('ComposeMail', 'SendMail', cm('ClientId', clientId), cm('Mime', Buffer.from(mime))),
  );
}

/** A fresh Sync of the Inbox with these body options (SyncKey 0, then the items). */
async function inboxBody(options: EasElement[]): Promise<EasElement | undefined> {
  delete phone.syncKeys[folders.inbox];
  await phone.sync([{ collectionId: folders.inbox }]);
  const result = await phone.sync([{ collectionId: folders.inbox, options }]);
  const collection = result.collections[folders.inbox]!;
  expect(collection.status).toBe('1');
  expect(collection.adds).toHaveLength(1);
  return collection.adds[0].data;
}

beforeAll(async () => {
  h = await WebHarness.start({
    'eas.limits.maxRecipients': 2,
    'eas.limits.maxBodyBytes': CAP,
    'eas.limits.maxSyncCollections': 1,
    'eas.limits.maxResolveRecipients': 2,
  });
  for (const user of [ALICE, BOB, CAROL, DAVE]) await h.addUser(user, PASSWORD);
  phone = new EasClient(h.base, ALICE, PASSWORD, { ...IPHONE, deviceId: 'LimitsPhone1' });
  await phone.provision();
  const { adds } = await phone.folderSync('0');
  folders.inbox = adds.find((f) => f.type === '2')!.serverId;
  folders.sent = adds.find((f) => f.type === '5')!.serverId;
}, 120_000);
afterAll(async () => h?.stop());

describe('eas.limits.maxRecipients', () => {
  it('refuses SendMail to three recipients with Status 115', async () => {
    const res = await sendTo([BOB, CAROL, DAVE], 'three');
    expect([res.status, res.tree?.name, status(res)]).toEqual([200, 'SendMail', '115']);
  });

  it('still sends to two recipients; only that message reaches them', async () => {
    const res = await sendTo([BOB, CAROL], 'two');
    expect([res.status, res.body.length]).toEqual([200, 0]);
    const bob = new EasClient(h.base, BOB, PASSWORD, { ...IPHONE, deviceId: 'LimitsPhone2' });
    await bob.provision();
    const inbox = (await bob.folderSync('0')).adds.find((f) => f.type === '2')!.serverId;
    const subjects = await eventually(async () => {
      delete bob.syncKeys[inbox];
      await bob.sync([{ collectionId: inbox }]);
      const adds = (await bob.sync([{ collectionId: inbox }])).collections[inbox]?.adds ?? [];
      return adds.length > 0 ? adds.map((a) => textAt(a.data, 'Subject')) : null;
    });
    expect(subjects).toEqual(['limits two']);
  });
});

describe('eas.limits.maxBodyBytes', () => {
  beforeAll(async () => {
    await h.sendSmtp(BOB, ALICE, 'Figures', { text: LONG });
    await eventually(async () => {
      delete phone.syncKeys[folders.inbox];
      await phone.sync([{ collectionId: folders.inbox }]);
      const r = await phone.sync([{ collectionId: folders.inbox }]);
      return (r.collections[folders.inbox]?.adds.length ?? 0) > 0 || null;
    });
  }, 60_000);

  it('truncates a body at the cap when no TruncationSize is asked', async () => {
    const data = await inboxBody([pref(1)]);
    expect(textAt(data, 'Body', 'Truncated')).toBe('1');
    expect(Buffer.byteLength(textAt(data, 'Body', 'Data')!)).toBe(CAP);
    expect(Number(textAt(data, 'Body', 'EstimatedDataSize'))).toBeGreaterThan(CAP);
  });

  it('truncates at the cap when TruncationSize asks for more, and at TruncationSize below it', async () => {
    const more = await inboxBody([pref(1, 100_000)]);
    expect(Buffer.byteLength(textAt(more, 'Body', 'Data')!)).toBe(CAP);
    const less = await inboxBody([pref(1, 200)]);
    expect(Buffer.byteLength(textAt(less, 'Body', 'Data')!)).toBe(200);
  });
});

describe('eas.limits.maxSyncCollections', () => {
  it('refuses a Sync of two collections with Status 4', async () => {
    const result = await phone.sync([
      { collectionId: folders.inbox, syncKey: '0' },
      { collectionId: folders.sent, syncKey: '0' },
    ]);
    expect([result.http, result.status]).toEqual([200, '4']);
  });
});

describe('eas.limits.maxResolveRecipients', () => {
  const resolve = (to: string[]) =>
    phone.post(
      'ResolveRecipients',
      el('ResolveRecipients', 'ResolveRecipients', ...to.map((t) => el('ResolveRecipients', 'To', t))),
    );

  it('refuses three To entries with Status 5 and resolves two', async () => {
    expect(status(await resolve([BOB, CAROL, DAVE]))).toBe('5');
    const two = await resolve([BOB, CAROL]);
    expect([two.status, status(two)]).toEqual([200, '1']);
  });
});
