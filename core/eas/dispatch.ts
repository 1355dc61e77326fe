/**
 * One ActiveSync request after the transport (functions/eas) has authenticated it and read the
 * query: the device is registered, the body decoded, the policy key checked, the command run.
 * Protocol failures come back as the command's Status (MS-ASCMD common status codes) or the
 * HTTP status MS-ASHTTP names; nothing here turns into an HTTP 500.
 */
import type { EasCommand, EasDeps, EasRequest } from './command';
import { EAS_COMMANDS } from './commands';
import { EasDevices, type EasDevice } from './devices';
import { CommonStatus, type ProtocolVersion } from './protocol';
import { decodeWbxml } from './wbxml/decoder';
import { encodeWbxml } from './wbxml/encoder';
import { WbxmlError, type WbxmlLimits } from './wbxml/errors';
import { el, type EasElement } from './wbxml/tree';

export interface EasCall {
  command: string;
  version: ProtocolVersion;
  account: { id: number; address: string };
  deviceId: string | undefined;
  deviceType: string | undefined;
  userAgent: string | null;
  policyKey: number | null;
  body: Buffer;
  /** Query-string parameters (AttachmentName …). */
  params?: Record<string, string>;
}

export interface EasOutcome {
  httpStatus: number;
  /** WBXML, or nothing (an empty 200 is valid for some commands). */
  body: Buffer | null;
  /** Set when the body is not WBXML (GetAttachment's raw bytes). */
  contentType?: string;
  /** An unexpected failure behind a Status 111 answer, for the transport's log. */
  error?: unknown;
}

/** Device ids and types: letters and digits (MS-ASHTTP), bounded. */
const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const DEVICE_TYPE = /^[A-Za-z0-9._-]{1,64}$/;

function commonStatus(command: EasCommand, code: number): EasOutcome {
  const root = el(command.root.namespace, command.root.name, el(command.root.namespace, 'Status', code));
  return { httpStatus: 200, body: encodeWbxml(root) };
}

/** 142/144/140/129 when the device may not run `command` yet (MS-ASPROV §3.2.5.1, 14.0 and later). */
function policyRefusal(command: EasCommand, device: EasDevice, policyKey: number | null): number | null {
  if (!command.needsPolicy) return null;
  if (device.wipeState !== 'none') return CommonStatus.RemoteWipeRequested;
  if (device.policyKey === null || policyKey === null) return CommonStatus.DeviceNotProvisioned;
  if (policyKey !== device.policyKey) return CommonStatus.InvalidPolicyKey;
  return null;
}

export async function dispatchEas(call: EasCall, deps: EasDeps, limits: WbxmlLimits): Promise<EasOutcome> {
  const command = EAS_COMMANDS.get(call.command);
  if (!command) return { httpStatus: 501, body: null };
  if (!call.deviceId || !DEVICE_ID.test(call.deviceId))
    return commonStatus(command, CommonStatus.DeviceIdMissingOrInvalid);
  if (!call.deviceType || !DEVICE_TYPE.test(call.deviceType))
    return commonStatus(command, CommonStatus.DeviceTypeMissingOrInvalid);
  let body: EasElement | null = null;
  if (call.body.length > 0) {
    try {
      body = decodeWbxml(call.body, limits);
    } catch (error) {
      if (error instanceof WbxmlError) return commonStatus(command, CommonStatus.InvalidWBXML);
      throw error;
    }
  }
  try {
    const device = await new EasDevices(deps.db).touch(call.account.id, call.deviceId, {
      deviceType: call.deviceType,
      userAgent: call.userAgent,
      protocolVersion: call.version,
    });
    const refusal = policyRefusal(command, device, call.policyKey);
    if (refusal !== null) return commonStatus(command, refusal);
    const request: EasRequest = {
      command: command.name,
      version: call.version,
      account: call.account,
      device,
      body,
      policyKey: call.policyKey,
      deps,
      params: call.params,
    };
    const response = await command.handle(request);
    if ('httpStatus' in response) return { httpStatus: response.httpStatus, body: null };
    if ('raw' in response) return { httpStatus: 200, body: response.raw, contentType: response.contentType };
    return { httpStatus: 200, body: response.body ? encodeWbxml(response.body) : null };
  } catch (error) {
    // A store failure is the server's problem, and the client should retry later.
    if (error instanceof WbxmlError) return commonStatus(command, CommonStatus.ServerError);
    return { ...commonStatus(command, CommonStatus.ServerErrorRetryLater), error };
  }
}

export const implementedCommands = (): string[] => [...EAS_COMMANDS.keys()];
