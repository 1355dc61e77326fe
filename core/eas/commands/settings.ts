/**
 * Settings (MS-ASCMD §2.2.1.18): Oof Get/Set on the vacation responder (core/eas/settings/oof.ts),
 * DeviceInformation Set, UserInformation Get, DevicePassword Set (acknowledged, not stored: the
 * server never needs the device's password), RightsManagementInformation Get (no templates).
 * Status (§2.2.3.177.16): 1 success, 2 protocol error, 5 invalid arguments, 6 conflicting ones.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { storeDeviceInfo, userInformation } from '../settings/device-user';
import { oofGetElement, parseOofSet, readOof, writeOof } from '../settings/oof';
import { pageOf } from '../wbxml/code-pages';
import { child, el, textAt, type EasElement } from '../wbxml/tree';

const S = 'Settings';
const PAGE = pageOf(S)!;
export const SettingsStatus = { Success: 1, ProtocolError: 2, InvalidArguments: 5, Conflicting: 6 } as const;
/** Settings parts one request may carry. */
const MAX_PARTS = 16;

const status = (code: number) => el(S, 'Status', code);

async function oof(request: EasRequest, node: EasElement): Promise<EasElement> {
  const get = child(node, 'Get', PAGE);
  const set = child(node, 'Set', PAGE);
  if (get && !set) {
    const current = await readOof(request.deps.db, request.account.id);
    return el(
      S,
      'Oof',
      status(SettingsStatus.Success),
      oofGetElement(current, textAt(get, 'BodyType') ?? 'Text'),
    );
  }
  if (set && !get) {
    const parsed = parseOofSet(set);
    if (parsed === 'invalid') return el(S, 'Oof', status(SettingsStatus.InvalidArguments));
    if (parsed === 'conflicting') return el(S, 'Oof', status(SettingsStatus.Conflicting));
    await writeOof(request.deps.db, request.account.id, parsed);
    return el(S, 'Oof', status(SettingsStatus.Success));
  }
  return el(S, 'Oof', status(SettingsStatus.ProtocolError));
}

async function part(request: EasRequest, node: EasElement): Promise<EasElement> {
  if (node.page !== PAGE) return el(S, node.name, status(SettingsStatus.ProtocolError));
  const set = child(node, 'Set', PAGE);
  const get = child(node, 'Get', PAGE);
  switch (node.name) {
    case 'Oof':
      return oof(request, node);
    case 'DeviceInformation':
      if (!set) return el(S, node.name, status(SettingsStatus.ProtocolError));
      await storeDeviceInfo(request.deps.db, request.device.id, set);
      return el(S, node.name, status(SettingsStatus.Success));
    case 'UserInformation':
      if (!get) return el(S, node.name, status(SettingsStatus.ProtocolError));
      return userInformation(request.deps.db, request.account, request.version);
    case 'DevicePassword':
      if (!set) return el(S, node.name, status(SettingsStatus.ProtocolError));
      return el(S, node.name, status(SettingsStatus.Success));
    case 'RightsManagementInformation':
      if (!get) return el(S, node.name, status(SettingsStatus.ProtocolError));
      return el(
        S,
        node.name,
        status(SettingsStatus.Success),
        el(S, 'Get', el('RightsManagement', 'RightsManagementTemplates')),
      );
    default:
      return el(S, node.name, status(SettingsStatus.ProtocolError));
  }
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const body = request.body;
  if (!body || body.page !== PAGE || body.name !== 'Settings' || body.children.length > MAX_PARTS)
    return reply(el(S, 'Settings', status(SettingsStatus.ProtocolError)));
  const parts: EasElement[] = [];
  for (const node of body.children) parts.push(await part(request, node));
  return reply(el(S, 'Settings', status(SettingsStatus.Success), ...parts));
}

export const settingsCommand: EasCommand = {
  name: 'Settings',
  root: { namespace: S, name: 'Settings' },
  needsPolicy: true,
  handle,
};
