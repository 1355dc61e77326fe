import type { Command } from 'commander';
import type { AdminCommand } from '../../core/admin/admin-commands';
import type { EasDeviceSummary } from '../../core/admin/eas-devices';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

function deviceLine(d: EasDeviceSummary): string {
  const wipe = d.wipe === 'none' ? '' : `\twipe ${d.wipe}${d.wipeAccountOnly ? ' (account only)' : ''}`;
  const name = d.friendlyName ?? d.model;
  return (
    `${d.deviceId}\t${d.deviceType}\t${d.protocolVersion ?? '?'}\t${d.provisioned ? 'provisioned' : 'not provisioned'}` +
    `\tlast sync ${d.lastSync ?? 'never'}${name ? `\t${name}` : ''}${wipe}`
  );
}

/** `nimbus eas devices|wipe|remove`: the ActiveSync devices of an account (docs/activesync.md). */
export function registerEasCommands(program: Command, admin: RunAdmin): void {
  const eas = program.command('eas').description('Exchange ActiveSync devices');
  eas
    .command('devices <address>')
    .description("list the account's ActiveSync devices")
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) =>
      admin({ op: 'eas.devices', address }, !!o.json, (r) => {
        const devices = r as EasDeviceSummary[];
        return devices.length ? devices.map(deviceLine).join('\n') : `no ActiveSync devices for ${address}`;
      }),
    );
  eas
    .command('wipe <address> <deviceId>')
    .description('remote-wipe the device at its next connection (--account-only: only this account, 16.1)')
    .option('--account-only', "remove only this account's data from the device (AccountOnlyRemoteWipe)")
    .action((address: string, deviceId: string, o: { accountOnly?: boolean }) =>
      admin(
        { op: 'eas.wipe', address, deviceId, accountOnly: !!o.accountOnly },
        false,
        () =>
          `${o.accountOnly ? 'account-only wipe' : 'remote wipe'} of ${deviceId} requested: it happens at the device's next connection`,
      ),
    );
  eas
    .command('remove <address> <deviceId>')
    .description('forget the device and its sync state (it must provision again)')
    .action((address: string, deviceId: string) =>
      admin({ op: 'eas.remove', address, deviceId }, false, () => `device ${deviceId} removed`),
    );
}
