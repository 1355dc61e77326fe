/**
 * Settings DeviceInformation Set (kept in eas_devices.device_info, as Provision does) and
 * UserInformation Get (the account's address; 14.1+ also as Accounts/Account with the primary
 * address and display name, MS-ASCMD §2.2.3.199).
 */
import type { SqlExecutor } from '../../ports/sql';
import { EasDevices } from '../devices';
import { versionAtLeast } from '../protocol';
import { el, textAt, type EasElement } from '../wbxml/tree';

const S = 'Settings';
const INFO_KEYS = [
  'Model',
  'IMEI',
  'FriendlyName',
  'OS',
  'OSLanguage',
  'PhoneNumber',
  'UserAgent',
  'EnableOutboundSMS',
  'MobileOperator',
];

/** DeviceInformation/Set → the known fields, each bounded (it is the client's text). */
export function deviceInfoFields(set: EasElement): Record<string, string> {
  const info: Record<string, string> = {};
  for (const key of INFO_KEYS) {
    const value = textAt(set, key);
    if (value) info[key] = value.slice(0, 256);
  }
  return info;
}

export async function storeDeviceInfo(db: SqlExecutor, deviceRowId: number, set: EasElement): Promise<void> {
  await new EasDevices(db).setDeviceInfo(deviceRowId, deviceInfoFields(set));
}

export async function userInformation(
  db: SqlExecutor,
  account: { id: number; address: string },
  version: string,
): Promise<EasElement> {
  const named = await db.query<{ name: string }>(
    `SELECT name FROM jmap_identities WHERE account_id = $1 AND lower(email) = lower($2) AND name <> ''
     ORDER BY id LIMIT 1`,
    [account.id, account.address],
  );
  const displayName = named.rows[0]?.name ?? account.address.slice(0, account.address.lastIndexOf('@'));
  const addresses = el(S, 'EmailAddresses', el(S, 'SMTPAddress', account.address));
  const get = versionAtLeast(version, '14.1')
    ? el(
        S,
        'Get',
        el(
          S,
          'Accounts',
          el(
            S,
            'Account',
            el(S, 'UserDisplayName', displayName),
            el(
              S,
              'EmailAddresses',
              el(S, 'SMTPAddress', account.address),
              el(S, 'PrimarySmtpAddress', account.address),
            ),
          ),
        ),
      )
    : el(S, 'Get', addresses);
  return el(S, 'UserInformation', el(S, 'Status', 1), get);
}
