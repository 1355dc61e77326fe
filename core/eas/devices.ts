/**
 * ActiveSync devices of an account (table eas_devices): registered on first contact, then
 * provisioned (MS-ASPROV policy keys), remotely wiped, or removed by an administrator.
 * Every lookup is by (account, device id): a device id never reaches another account's row.
 */
import { randomInt } from 'node:crypto';
import type { SqlExecutor } from '../ports/sql';

export type WipeState = 'none' | 'pending' | 'wiped';

export interface EasDevice {
  /** Row id (the key of the per-device state tables). */
  id: number;
  accountId: number;
  deviceId: string;
  deviceType: string;
  userAgent: string | null;
  protocolVersion: string | null;
  policyKey: number | null;
  pendingPolicyKey: number | null;
  provisionedAt: Date | null;
  wipeState: WipeState;
  wipeAccountOnly: boolean;
  wipeRequestedAt: Date | null;
  wipeAcknowledgedAt: Date | null;
  deviceInfo: Record<string, string>;
  firstSeen: Date;
  lastSync: Date | null;
}

interface DeviceRow {
  id: string | number;
  account_id: string | number;
  device_id: string;
  device_type: string;
  user_agent: string | null;
  protocol_version: string | null;
  policy_key: string | number | null;
  pending_policy_key: string | number | null;
  provisioned_at: Date | string | null;
  wipe_state: WipeState;
  wipe_account_only: boolean;
  wipe_requested_at: Date | string | null;
  wipe_acknowledged_at: Date | string | null;
  device_info: Record<string, string> | string;
  first_seen: Date | string;
  last_sync: Date | string | null;
}

const num = (v: string | number | null) => (v === null ? null : Number(v));
const date = (v: Date | string | null) => (v === null ? null : new Date(v));

function toDevice(row: DeviceRow): EasDevice {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    deviceId: row.device_id,
    deviceType: row.device_type,
    userAgent: row.user_agent,
    protocolVersion: row.protocol_version,
    policyKey: num(row.policy_key),
    pendingPolicyKey: num(row.pending_policy_key),
    provisionedAt: date(row.provisioned_at),
    wipeState: row.wipe_state,
    wipeAccountOnly: row.wipe_account_only,
    wipeRequestedAt: date(row.wipe_requested_at),
    wipeAcknowledgedAt: date(row.wipe_acknowledged_at),
    deviceInfo: typeof row.device_info === 'string' ? JSON.parse(row.device_info) : row.device_info,
    firstSeen: new Date(row.first_seen),
    lastSync: date(row.last_sync),
  };
}

/** A policy key: a random non-zero 32-bit unsigned number (0 means "none" on the wire). */
export const newPolicyKey = (): number => randomInt(1, 0xffffffff);

export class EasDevices {
  constructor(private readonly db: SqlExecutor) {}

  /** The device's row, created on first contact; type, user agent and version follow the latest request. */
  async touch(
    accountId: number,
    deviceId: string,
    seen: { deviceType: string; userAgent: string | null; protocolVersion: string },
  ): Promise<EasDevice> {
    const r = await this.db.query<DeviceRow>(
      `INSERT INTO eas_devices (account_id, device_id, device_type, user_agent, protocol_version, last_sync)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (account_id, device_id) DO UPDATE SET device_type = EXCLUDED.device_type,
         user_agent = coalesce(EXCLUDED.user_agent, eas_devices.user_agent),
         protocol_version = EXCLUDED.protocol_version, last_sync = now()
       RETURNING *`,
      [accountId, deviceId, seen.deviceType, seen.userAgent, seen.protocolVersion],
    );
    return toDevice(r.rows[0]);
  }

  async get(accountId: number, deviceId: string): Promise<EasDevice | null> {
    const r = await this.db.query<DeviceRow>(
      `SELECT * FROM eas_devices WHERE account_id = $1 AND device_id = $2`,
      [accountId, deviceId],
    );
    return r.rows[0] ? toDevice(r.rows[0]) : null;
  }

  async list(accountId: number): Promise<EasDevice[]> {
    const r = await this.db.query<DeviceRow>(
      `SELECT * FROM eas_devices WHERE account_id = $1 ORDER BY first_seen, device_id`,
      [accountId],
    );
    return r.rows.map(toDevice);
  }

  async setDeviceInfo(id: number, info: Record<string, string>): Promise<void> {
    await this.db.query(`UPDATE eas_devices SET device_info = $2::jsonb WHERE id = $1`, [
      id,
      JSON.stringify(info),
    ]);
  }

  /** Provision step one: a temporary key, which the device must send back to acknowledge the policy. */
  async issueTemporaryKey(id: number): Promise<number> {
    const key = newPolicyKey();
    await this.db.query(`UPDATE eas_devices SET pending_policy_key = $2 WHERE id = $1`, [id, key]);
    return key;
  }

  /**
   * Provision step two: the acknowledged temporary key becomes a final key (a new one). Null
   * when `temporary` is not the key handed out (a stale or forged acknowledgement).
   */
  async acknowledge(id: number, temporary: number): Promise<number | null> {
    const key = newPolicyKey();
    const r = await this.db.query(
      `UPDATE eas_devices SET policy_key = $3, pending_policy_key = NULL, provisioned_at = now()
       WHERE id = $1 AND pending_policy_key = $2 RETURNING id`,
      [id, temporary, key],
    );
    return r.rows.length > 0 ? key : null;
  }

  /** An administrator's wipe request: the device is told at its next contact. */
  async requestWipe(accountId: number, deviceId: string, accountOnly: boolean): Promise<EasDevice | null> {
    const r = await this.db.query<DeviceRow>(
      `UPDATE eas_devices SET wipe_state = 'pending', wipe_account_only = $3, wipe_requested_at = now(),
         wipe_acknowledged_at = NULL
       WHERE account_id = $1 AND device_id = $2 RETURNING *`,
      [accountId, deviceId, accountOnly],
    );
    return r.rows[0] ? toDevice(r.rows[0]) : null;
  }

  /** The device reported the wipe done (Provision RemoteWipe/AccountOnlyRemoteWipe Status 1). */
  async wiped(id: number): Promise<void> {
    await this.db.query(
      `UPDATE eas_devices SET wipe_state = 'wiped', wipe_acknowledged_at = now() WHERE id = $1 AND wipe_state <> 'none'`,
      [id],
    );
  }

  /** Forgets the device and its sync state: it provisions from scratch if it comes back. */
  async remove(accountId: number, deviceId: string): Promise<EasDevice | null> {
    const r = await this.db.query<DeviceRow>(
      `DELETE FROM eas_devices WHERE account_id = $1 AND device_id = $2 RETURNING *`,
      [accountId, deviceId],
    );
    return r.rows[0] ? toDevice(r.rows[0]) : null;
  }
}
