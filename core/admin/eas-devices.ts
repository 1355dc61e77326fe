/**
 * Admin commands for ActiveSync devices (`nimbus eas …`, the admin endpoint): list an account's
 * devices, order a remote wipe (whole device, or only this account on 16.1 devices), forget one.
 * Wipes and removals are audited by executeAdminCommand like every change.
 */
import type { Directory } from '../directory/directory';
import { EasDevices, type EasDevice } from '../eas/devices';
import { versionAtLeast } from '../eas/protocol';
import type { SqlExecutor } from '../ports/sql';
import { AdminError } from './admin-error';

export type EasAdminCommand =
  | { op: 'eas.devices'; address: string }
  | { op: 'eas.wipe'; address: string; deviceId: string; accountOnly?: boolean }
  | { op: 'eas.remove'; address: string; deviceId: string };

/** What the CLI and the API show of a device (never its policy keys). */
export interface EasDeviceSummary {
  deviceId: string;
  deviceType: string;
  userAgent: string | null;
  protocolVersion: string | null;
  provisioned: boolean;
  provisionedAt: string | null;
  wipe: 'none' | 'pending' | 'wiped';
  wipeAccountOnly: boolean;
  wipeRequestedAt: string | null;
  wipeAcknowledgedAt: string | null;
  model: string | null;
  friendlyName: string | null;
  firstSeen: string;
  lastSync: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function summary(d: EasDevice): EasDeviceSummary {
  return {
    deviceId: d.deviceId,
    deviceType: d.deviceType,
    userAgent: d.userAgent,
    protocolVersion: d.protocolVersion,
    provisioned: d.policyKey !== null,
    provisionedAt: iso(d.provisionedAt),
    wipe: d.wipeState,
    wipeAccountOnly: d.wipeAccountOnly,
    wipeRequestedAt: iso(d.wipeRequestedAt),
    wipeAcknowledgedAt: iso(d.wipeAcknowledgedAt),
    model: d.deviceInfo.Model ?? null,
    friendlyName: d.deviceInfo.FriendlyName ?? null,
    firstSeen: d.firstSeen.toISOString(),
    lastSync: iso(d.lastSync),
  };
}

async function accountId(directory: Directory, address: string): Promise<number> {
  const account = await directory.getAccount(address);
  if (!account) throw new AdminError('not-found', `no account ${address}`);
  return account.id;
}

export async function runEasAdminCommand(
  ctx: { db: SqlExecutor; directory: Directory },
  command: EasAdminCommand,
): Promise<unknown> {
  const devices = new EasDevices(ctx.db);
  const id = await accountId(ctx.directory, command.address);
  switch (command.op) {
    case 'eas.devices':
      return (await devices.list(id)).map(summary);
    case 'eas.wipe': {
      const device = await devices.get(id, command.deviceId);
      if (!device)
        throw new AdminError('not-found', `no ActiveSync device ${command.deviceId} for ${command.address}`);
      // Older protocol versions only know the full wipe: never send one for an account-only request.
      if (command.accountOnly && !versionAtLeast(device.protocolVersion ?? '0', '16.1'))
        throw new AdminError(
          'invalid',
          `device ${command.deviceId} speaks ActiveSync ${device.protocolVersion ?? '?'}: an account-only wipe needs 16.1 (remove the device instead, or wipe it whole)`,
        );
      return summary((await devices.requestWipe(id, command.deviceId, !!command.accountOnly))!);
    }
    case 'eas.remove': {
      const removed = await devices.remove(id, command.deviceId);
      if (!removed)
        throw new AdminError('not-found', `no ActiveSync device ${command.deviceId} for ${command.address}`);
      return { removed: command.deviceId, address: command.address };
    }
  }
}

/** The state of the device a wipe or removal is about to change (audit log's old value). */
export async function easValueBefore(
  ctx: { db: SqlExecutor; directory: Directory },
  command: EasAdminCommand,
): Promise<Record<string, unknown> | null> {
  if (command.op === 'eas.devices') return null;
  const account = await ctx.directory.getAccount(command.address);
  const device = account ? await new EasDevices(ctx.db).get(account.id, command.deviceId) : null;
  return (
    device && { deviceId: device.deviceId, wipe: device.wipeState, provisioned: device.policyKey !== null }
  );
}
