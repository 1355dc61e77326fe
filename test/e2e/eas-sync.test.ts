/**
 * ActiveSync Sync, GetItemEstimate and Ping over real HTTP against a node, with the real Email
 * source: mail delivered over SMTP shows up as Adds (windowed, MoreAvailable), a flag set by
 * another device as a Change, an expunge as a Delete; a stale key is Status 3, another account's
 * folder Status 12 with no data; Ping answers 2 once a message is delivered. Every response body
 * is also decoded with libwbxml's wbxml2xml and compared with our decoder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { el, textAt, type EasElement } from '../../core/eas/wbxml/tree';
import { eventually } from '../helpers/eventually';
import { EasClient, IPHONE } from '../helpers/eas-client';
import { alignLacking, comparable, LIBWBXML, LIBWBXML_MISSING, parseXmlTree } from '../unit/eas/libwbxml';
import { WebHarness } from './web-harness';

let h: WebHarness;
const clients: EasClient[] = [];
const ALICE = 'alice@easync.example';
const BOB = 'bob@easync.example';
const PASSWORD = 'correct horse battery 2';

async function device(user: string, deviceId: string): Promise<{ phone: EasClient; inbox: string }> {
  const phone = new EasClient(h.base, user, PASSWORD, { ...IPHONE, deviceId });
  clients.push(phone);
  await phone.provision();
  const { adds } = await phone.folderSync('0');
  return { phone, inbox: adds.find((f) => f.type === '2')!.serverId };
}

const g = (name: string, ...content: (ReturnType<typeof el> | string)[]) =>
  el('GetItemEstimate', name, ...content);
async function estimate(phone: EasClient, collectionId: string, syncKey: string) {
  const res = await phone.post(
    'GetItemEstimate',
    g(
      'GetItemEstimate',
      g('Collections', g('Collection', el('AirSync', 'SyncKey', syncKey), g('CollectionId', collectionId))),
    ),
  );
  const tree = res.tree ?? undefined;
  return {
    status: textAt(tree, 'Response', 'Status'),
    estimate: textAt(tree, 'Response', 'Collection', 'Estimate'),
  };
}

/** wbxml2xml with -k: without it libwbxml trims the whitespace around character data (mail bodies). */
function wbxml2xmlKeepingSpace(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-eas-sync-'));
  try {
    writeFileSync(join(dir, 'in.wbxml'), bytes);
    const out = join(dir, 'out.xml');
    execFileSync('wbxml2xml', ['-l', 'ACTIVESYNC', '-m', '0', '-k', '-o', out, join(dir, 'in.wbxml')], {
      stdio: 'pipe',
    });
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.addUser(ALICE, PASSWORD);
  await h.addUser(BOB, PASSWORD);
}, 120_000);
afterAll(async () => h?.stop());

describe('Sync of the Inbox', () => {
  let phone: EasClient;
  let inbox: string;
  const subjects = ['first', 'second', 'third'];

  beforeAll(async () => {
    ({ phone, inbox } = await device(ALICE, 'SyncPhone1'));
  });

  it('starts with SyncKey 0, then delivers mail from SMTP as Adds in windows', async () => {
    const zero = await phone.sync([{ collectionId: inbox }]);
    expect([zero.http, zero.collections[inbox]?.status, zero.collections[inbox]?.adds]).toEqual([
      200,
      '1',
      [],
    ]);
    const key = zero.collections[inbox]!.syncKey!;
    for (const s of subjects) await h.sendSmtp(BOB, ALICE, s);
    await eventually(async () => (await estimate(phone, inbox, key)).estimate === '3', 30_000, 200);

    const first = await phone.sync([
      { collectionId: inbox, windowSize: 2, options: [el('AirSync', 'FilterType', 0)] },
    ]);
    const c1 = first.collections[inbox]!;
    expect([c1.status, c1.adds.length, c1.moreAvailable]).toEqual(['1', 2, true]);
    expect(c1.adds.every((a) => a.serverId.startsWith(`${inbox}:`))).toBe(true);
    const second = await phone.sync([{ collectionId: inbox, windowSize: 2 }]);
    const c2 = second.collections[inbox]!;
    expect([c2.adds.length, c2.moreAvailable]).toEqual([1, false]);
    const got = [...c1.adds, ...c2.adds].map((a) => textAt(a.data, 'Subject'));
    expect(got.sort()).toEqual([...subjects].sort());
    expect(await estimate(phone, inbox, phone.syncKeys[inbox]!)).toEqual({ status: '1', estimate: '0' });

    // Nothing new: the same key, no commands.
    const idle = await phone.sync([{ collectionId: inbox }]);
    expect([idle.collections[inbox]?.syncKey, idle.collections[inbox]?.adds]).toEqual([c2.syncKey, []]);
  });

  it('sends a flag set by another device as a Change, an expunge as a Delete', async () => {
    const other = await device(ALICE, 'SyncPhone2');
    await other.phone.sync([{ collectionId: other.inbox }]);
    const all = await other.phone.sync([{ collectionId: other.inbox, windowSize: 50 }]);
    const items = all.collections[other.inbox]!.adds;
    expect(items).toHaveLength(3);
    const [flagged, removed] = items.map((a) => a.serverId);

    const read = el('AirSync', 'ApplicationData', el('Email', 'Read', '1'));
    const changed = await other.phone.sync([
      {
        collectionId: other.inbox,
        commands: [el('AirSync', 'Change', el('AirSync', 'ServerId', flagged), read)],
      },
    ]);
    expect(changed.collections[other.inbox]?.status).toBe('1');
    const expunged = await other.phone.sync([
      {
        collectionId: other.inbox,
        deletesAsMoves: false,
        commands: [el('AirSync', 'Delete', el('AirSync', 'ServerId', removed))],
      },
    ]);
    expect(expunged.collections[other.inbox]?.status).toBe('1');

    const seen = await phone.sync([{ collectionId: inbox }]);
    const c = seen.collections[inbox]!;
    expect(c.changes.map((x) => x.serverId)).toEqual([flagged]);
    expect(textAt(c.changes[0].data, 'Read')).toBe('1');
    expect(c.deletes).toEqual([removed]);
    // The device that made them is not told about its own changes.
    const own = await other.phone.sync([{ collectionId: other.inbox }]);
    expect([own.collections[other.inbox]?.changes, own.collections[other.inbox]?.deletes]).toEqual([[], []]);
  });

  it('answers a stale SyncKey with Status 3', async () => {
    await h.sendSmtp(BOB, ALICE, 'fourth');
    const before = phone.syncKeys[inbox]!;
    await eventually(async () => (await estimate(phone, inbox, before)).estimate === '1', 30_000, 200);
    await phone.sync([{ collectionId: inbox }]);
    expect(phone.syncKeys[inbox]).not.toBe(before);
    const old = String(Number(before) - 1);
    const stale = await phone.sync([{ collectionId: inbox, syncKey: old }]);
    expect(stale.collections[inbox]?.status).toBe('3');
    expect((await estimate(phone, inbox, old)).status).toBe('4');
  });

  it("never shows another account's Inbox", async () => {
    const bob = await device(BOB, 'BobSyncPhone');
    for (const key of ['0', '1', '2']) {
      const r = await bob.phone.sync([{ collectionId: inbox, syncKey: key }]);
      expect(r.collections[inbox]?.status).toBe('12');
      expect(r.collections[inbox]?.adds).toEqual([]);
      expect(JSON.stringify(r.res.tree)).not.toMatch(/first|second|third|fourth/);
    }
    expect((await estimate(bob.phone, inbox, '1')).status).toBe('2');
    const ping = await bob.phone.ping(60, [{ id: inbox, class: 'Email' }]);
    expect(ping.status).toBe('7');
  });
});

describe('Ping', () => {
  it('answers 2 with the Inbox once a message is delivered over SMTP', async () => {
    const { phone, inbox } = await device(ALICE, 'PingPhone1');
    await phone.sync([{ collectionId: inbox }]);
    await phone.sync([{ collectionId: inbox, windowSize: 100 }]);
    const waiting = phone.ping(60, [{ id: inbox, class: 'Email' }]);
    // Held: the Ping has not answered before the delivery.
    const early = await Promise.race([
      waiting.then(() => 'answered'),
      new Promise((r) => setTimeout(r, 500, 'held')),
    ]);
    expect(early).toBe('held');
    await h.sendSmtp(BOB, ALICE, 'wake up');
    const r = await waiting;
    expect([r.http, r.status, r.folders]).toEqual([200, '2', [inbox]]);
    const next = await phone.sync([{ collectionId: inbox }]);
    expect(next.collections[inbox]?.adds.map((a) => textAt(a.data, 'Subject'))).toEqual(['wake up']);
  });

  it('answers 2 with the Calendar when another device adds an event (PIM events wake it too)', async () => {
    const calendarOf = async (deviceId: string) => {
      const phone = new EasClient(h.base, ALICE, PASSWORD, { ...IPHONE, deviceId });
      clients.push(phone);
      await phone.provision();
      const { adds } = await phone.folderSync('0');
      const calendar = adds.find((f) => f.type === '8')!.serverId;
      await phone.sync([{ collectionId: calendar }]);
      await phone.sync([{ collectionId: calendar }]);
      return { phone, calendar };
    };
    const watcher = await calendarOf('PingCalPhone1');
    const maker = await calendarOf('PingCalPhone2');
    const waiting = watcher.phone.ping(60, [{ id: watcher.calendar, class: 'Calendar' }]);
    const a = (name: string, ...content: (EasElement | string)[]) => el('AirSync', name, ...content);
    const made = await maker.phone.sync([
      {
        collectionId: maker.calendar,
        commands: [
          a(
            'Add',
            a('ClientId', 'cal-1'),
            a(
              'ApplicationData',
              el('Calendar', 'TimeZone', Buffer.alloc(172).toString('base64')),
              el('Calendar', 'DtStamp', '20261201T080000Z'),
              el('Calendar', 'StartTime', '20261215T090000Z'),
              el('Calendar', 'EndTime', '20261215T100000Z'),
              el('Calendar', 'Subject', 'Planning'),
            ),
          ),
        ],
      },
    ]);
    expect(made.collections[maker.calendar]?.responses.adds[0]?.status).toBe('1');
    expect(await waiting).toMatchObject({ status: '2', folders: [watcher.calendar] });
    const seen = await watcher.phone.sync([{ collectionId: watcher.calendar }]);
    expect(seen.collections[watcher.calendar]?.adds.map((x) => textAt(x.data, 'Subject'))).toEqual([
      'Planning',
    ]);
    // The device that made the event has it already.
    const own = await maker.phone.sync([{ collectionId: maker.calendar }]);
    expect(own.collections[maker.calendar]?.adds).toEqual([]);
  });

  it('checks its parameters: heartbeat bounds (5), too many folders (6), nothing to re-use (3)', async () => {
    const { phone, inbox } = await device(ALICE, 'PingPhone2');
    expect(await phone.ping(null, null)).toMatchObject({ http: 200, status: '3' });
    expect(await phone.ping(10, [{ id: inbox, class: 'Email' }])).toMatchObject({
      status: '5',
      heartbeatInterval: '60',
    });
    const many = Array.from({ length: 301 }, (_, i) => ({ id: `m${i + 1}`, class: 'Email' }));
    expect(await phone.ping(60, many)).toMatchObject({ status: '6', maxFolders: '300' });
  });
});

(LIBWBXML ? it : it.skip)('every response body decodes the same with wbxml2xml', () => {
  const bodies = clients
    .flatMap((c) => c.seen)
    .filter((s) => ['Sync', 'Ping', 'GetItemEstimate'].includes(s.command));
  expect(bodies.length).toBeGreaterThan(20);
  // libwbxml's XML output goes through an XML parser, which turns CRLF in character data into LF.
  const lf = (node: EasElement): EasElement => ({
    ...node,
    text: node.text?.replace(/\r\n/g, '\n'),
    children: node.children.map(lf),
  });
  for (const { body, tree } of bodies)
    expect(comparable(alignLacking(parseXmlTree(wbxml2xmlKeepingSpace(body)), lf(tree)))).toEqual(
      comparable(lf(tree)),
    );
});
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
