/**
 * The `eas` configuration section on a running node: the web role hands it to the ActiveSync
 * endpoint (ctx.eas), and a device sees each setting — Ping's heartbeat and folder bounds, the
 * device policy at Provision, the request body limit.
 */
import { el, textAt } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE } from '../helpers/eas-client';
import { WebHarness } from './web-harness';

let h: WebHarness;
let phone: EasClient;
const ALICE = 'alice@easconf.example';
const PASSWORD = 'correct horse battery 1';

beforeAll(async () => {
  h = await WebHarness.start({
    'eas.ping.maxHeartbeatSeconds': 300,
    'eas.ping.maxFolders': 2,
    'eas.policy.devicePasswordEnabled': 'true',
    'eas.policy.minDevicePasswordLength': 6,
    'eas.maxBodyBytes': 4096,
  });
  await h.addUser(ALICE, PASSWORD);
  phone = new EasClient(h.base, ALICE, PASSWORD, IPHONE);
}, 120_000);
afterAll(async () => h?.stop());

it('reaches the web context as the ActiveSync overrides', () => {
  const eas = (h.node.web as unknown as { eas: Record<string, Record<string, unknown>> }).eas;
  expect(eas.ping).toEqual({ minHeartbeatSeconds: 60, maxHeartbeatSeconds: 300, maxFolders: 2 });
  expect(eas.policy).toMatchObject({ devicePasswordEnabled: true, minDevicePasswordLength: 6 });
  expect(eas.maxBodyBytes).toBe(4096);
});

it('sends the configured device policy at Provision', async () => {
  const { policy } = await phone.provision();
  expect(textAt(policy, 'DevicePasswordEnabled')).toBe('1');
  expect(textAt(policy, 'MinDevicePasswordLength')).toBe('6');
});

it('bounds Ping by the configured heartbeat and folder count', async () => {
  const { adds } = await phone.folderSync('0');
  const inbox = adds.find((f) => f.type === '2')!.serverId;
  // Too long: Status 5 with the longest interval allowed (MS-ASCMD §2.2.3.177.12).
  const long = await phone.ping(600, [{ id: inbox, class: 'Email' }]);
  expect([long.http, long.status, long.heartbeatInterval]).toEqual([200, '5', '300']);
  const short = await phone.ping(30, [{ id: inbox, class: 'Email' }]);
  expect([short.status, short.heartbeatInterval]).toEqual(['5', '60']);
  // Too many folders: Status 6 with MaxFolders.
  const mail = adds.filter((f) => f.serverId.startsWith('m')).slice(0, 3);
  expect(mail).toHaveLength(3);
  const many = await phone.ping(
    120,
    mail.map((f) => ({ id: f.serverId, class: 'Email' })),
  );
  expect([many.status, many.maxFolders]).toEqual(['6', '2']);
});

it('answers a body above eas.maxBodyBytes 413 without decoding it', async () => {
  const big = await phone.post('FolderSync', Buffer.alloc(4097));
  expect(big.status).toBe(413);
  const small = await phone.post(
    'FolderSync',
    el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', '0')),
  );
  expect(small.status).toBe(200);
});
