/**
 * Provision (MS-ASPROV): the two-step policy key handshake (policy with a temporary key, then
 * the acknowledged key exchanged for a final one), remote wipe and account-only wipe (16.1),
 * and the device information a 14.1+ client sends along.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { EasDevices } from '../devices';
import { provisionDoc } from '../policy';
import { CommonStatus, POLICY_TYPE } from '../protocol';
import { pageOf } from '../wbxml/code-pages';
import { child, el, textAt, type EasElement } from '../wbxml/tree';

const SETTINGS = pageOf('Settings')!;
const PROVISION = pageOf('Provision')!;
/** Provision/Status and Policy/Status values (MS-ASPROV §2.2.2.54). */
const Status = { Success: 1, ProtocolError: 2, UnknownPolicyType: 3, WrongPolicyKey: 5 } as const;
const INFO_KEYS = [
  'Model',
  'IMEI',
  'FriendlyName',
  'OS',
  'OSLanguage',
  'PhoneNumber',
  'UserAgent',
  'MobileOperator',
];

const provision = (...content: (EasElement | null)[]) => reply(el('Provision', 'Provision', ...content));
const status = (code: number) => el('Provision', 'Status', code);

/** settings:DeviceInformation/Set → the fields we keep (bounded: it is the client's text). */
function deviceInformation(body: EasElement): Record<string, string> | null {
  const set = child(child(body, 'DeviceInformation', SETTINGS), 'Set', SETTINGS);
  if (!set) return null;
  const info: Record<string, string> = {};
  for (const key of INFO_KEYS) {
    const value = textAt(set, key);
    if (value) info[key] = value.slice(0, 256);
  }
  return info;
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const { body, device, deps } = request;
  if (!body || body.name !== 'Provision' || body.page !== PROVISION)
    return provision(status(Status.ProtocolError));
  const devices = new EasDevices(deps.db);
  const info = deviceInformation(body);
  if (info) await devices.setDeviceInfo(device.id, info);
  const infoStatus = info ? el('Settings', 'DeviceInformation', el('Settings', 'Status', 1)) : null;

  // The device reports a wipe done (or about to be): recorded, and acknowledged.
  const wipeReport = child(body, 'RemoteWipe') ?? child(body, 'AccountOnlyRemoteWipe');
  if (wipeReport && device.wipeState !== 'none') {
    await devices.wiped(device.id);
    return provision(infoStatus, status(Status.Success));
  }
  if (device.wipeState !== 'none') {
    const order = device.wipeAccountOnly ? 'AccountOnlyRemoteWipe' : 'RemoteWipe';
    return provision(infoStatus, status(Status.Success), el('Provision', order));
  }

  const policy = child(child(body, 'Policies'), 'Policy');
  const type = textAt(policy, 'PolicyType');
  if (!policy || type === undefined) return provision(infoStatus, status(Status.ProtocolError));
  const answer = (...content: (EasElement | null)[]) =>
    provision(
      infoStatus,
      status(Status.Success),
      el('Provision', 'Policies', el('Provision', 'Policy', el('Provision', 'PolicyType', type), ...content)),
    );
  if (type !== POLICY_TYPE) return answer(status(Status.UnknownPolicyType));

  const acknowledged = textAt(policy, 'PolicyKey');
  if (acknowledged === undefined) {
    const temporary = await devices.issueTemporaryKey(device.id);
    return answer(
      status(Status.Success),
      el('Provision', 'PolicyKey', temporary),
      el('Provision', 'Data', provisionDoc(deps.policy)),
    );
  }
  // Status 1: applied. 2 (partly applied) and others: this policy cannot be enforced there.
  if (textAt(policy, 'Status') !== '1')
    return provision(infoStatus, status(CommonStatus.DeviceNotFullyProvisionable));
  const key = /^[0-9]{1,10}$/.test(acknowledged) ? Number(acknowledged) : -1;
  const final = key > 0 ? await devices.acknowledge(device.id, key) : null;
  if (final === null) return answer(status(Status.WrongPolicyKey));
  return answer(status(Status.Success), el('Provision', 'PolicyKey', final));
}

export const provisionCommand: EasCommand = {
  name: 'Provision',
  root: { namespace: 'Provision', name: 'Provision' },
  needsPolicy: false,
  handle,
};
