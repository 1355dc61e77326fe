/**
 * ActiveSync devices through the admin REST API (/api/admin/users/:address/eas-devices), on the
 * node over HTTP and through the Lambda wrappers: list, account-only and full remote wipe,
 * removal, the refusals (unknown device or account, 14.1 device, bad body, no admin), and the
 * audit log entry of every change with the admin's name.
 */
import { el } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE } from '../helpers/eas-client';
import { MODES, WebHarness, type Mode } from './web-harness';

let h: WebHarness;
const ALICE = 'alice@easapi.example';
const PASSWORD = 'correct horse battery 1';
const ADMIN = { name: 'root', password: 'admin password 1' };

beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.addUser(ALICE, PASSWORD);
  await h.node.admin({ op: 'admin.add', ...ADMIN });
}, 120_000);
afterAll(async () => h?.stop());

interface Device {
  deviceId: string;
  provisioned: boolean;
  model: string | null;
  wipe: string;
  wipeAccountOnly: boolean;
}
interface AuditEntry {
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: { deviceId?: string } | null;
}

describe.each(MODES)('admin API for ActiveSync devices (%s)', (mode: Mode) => {
  let auth: Record<string, string>;
  const devices = `/api/admin/users/${encodeURIComponent(ALICE)}/eas-devices`;
  const phoneId = `ApiPhone${mode}`;

  beforeAll(async () => {
    const login = await h.call(mode, { path: '/api/admin/login', body: ADMIN });
    auth = { authorization: `Bearer ${login.json().token}` };
  });

  it('lists, wipes (account only, then whole) and removes a device, each change audited', async () => {
    const phone = new EasClient(h.base, ALICE, PASSWORD, { ...IPHONE, deviceId: phoneId });
    await phone.provision();

    expect((await h.call(mode, { path: devices })).status).toBe(401);
    const listed = await h.call(mode, { path: devices, headers: auth });
    expect(listed.status).toBe(200);
    expect((listed.json() as Device[]).find((d) => d.deviceId === phoneId)).toMatchObject({
      provisioned: true,
      model: 'iPhone15,2',
      wipe: 'none',
    });
    expect(listed.text).not.toMatch(/policyKey/i);

    // A non-boolean accountOnly is refused (never silently a full wipe), and audited as refused.
    const bad = await h.call(mode, {
      path: `${devices}/${phoneId}/wipe`,
      headers: auth,
      body: { accountOnly: 'yes' },
    });
    expect([bad.status, bad.json().code]).toEqual([400, 'invalid']);

    const wiped = await h.call(mode, {
      path: `${devices}/${phoneId}/wipe`,
      headers: auth,
      body: { accountOnly: true },
    });
    expect(wiped.status).toBe(200);
    expect(wiped.json()).toMatchObject({ deviceId: phoneId, wipe: 'pending', wipeAccountOnly: true });
    const order = await phone.post('Provision', el('Provision', 'Provision'));
    expect(order.tree?.children.map((c) => c.name)).toEqual(['Status', 'AccountOnlyRemoteWipe']);

    // The full wipe replaces it; the request needs no body.
    const full = await h.call(mode, { method: 'POST', path: `${devices}/${phoneId}/wipe`, headers: auth });
    expect(full.json()).toMatchObject({ wipe: 'pending', wipeAccountOnly: false });
    const fullOrder = await phone.post('Provision', el('Provision', 'Provision'));
    expect(fullOrder.tree?.children.map((c) => c.name)).toEqual(['Status', 'RemoteWipe']);

    const removed = await h.call(mode, { method: 'DELETE', path: `${devices}/${phoneId}`, headers: auth });
    expect([removed.status, removed.json()]).toEqual([200, { removed: phoneId, address: ALICE }]);
    const again = await h.call(mode, { method: 'DELETE', path: `${devices}/${phoneId}`, headers: auth });
    expect(again.status).toBe(404);
    // Forgotten: the phone must provision again.
    expect((await phone.folderSync('0')).status).toBe('142');

    const audit = (await h.call(mode, { path: '/api/admin/audit?limit=100', headers: auth })).json();
    const mine = (audit as AuditEntry[]).filter(
      (e) => e.actor === 'root' && e.target === ALICE && e.detail?.deviceId === phoneId,
    );
    const outcomes = mine.map((e) => [e.action, e.outcome]);
    // Newest first: the second (refused) remove, the remove, full wipe, account-only wipe.
    expect(outcomes).toEqual([
      ['eas.remove', 'error: not-found'],
      ['eas.remove', 'ok'],
      ['eas.wipe', 'ok'],
      ['eas.wipe', 'ok'],
    ]);
    expect(
      (audit as AuditEntry[]).some((e) => e.action === 'eas.wipe' && e.outcome === 'error: invalid'),
    ).toBe(true);
  });

  it('refuses an account-only wipe of a 14.1 device, unknown devices and accounts', async () => {
    const old = new EasClient(h.base, ALICE, PASSWORD, {
      ...IPHONE,
      deviceId: `Old${mode}`,
      version: '14.1',
    });
    await old.provision();
    const refused = await h.call(mode, {
      path: `${devices}/Old${mode}/wipe`,
      headers: auth,
      body: { accountOnly: true },
    });
    expect([refused.status, refused.json().code]).toEqual([400, 'invalid']);
    const listed = (await h.call(mode, { path: devices, headers: auth })).json() as Device[];
    expect(listed.find((d) => d.deviceId === `Old${mode}`)?.wipe).toBe('none');

    const unknown = await h.call(mode, { path: `${devices}/NoSuchPhone/wipe`, headers: auth, body: {} });
    expect([unknown.status, unknown.json().code]).toEqual([404, 'not-found']);
    const nobody = await h.call(mode, {
      path: `/api/admin/users/${encodeURIComponent('nobody@easapi.example')}/eas-devices`,
      headers: auth,
    });
    expect(nobody.status).toBe(404);
  });
});
