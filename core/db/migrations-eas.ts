/**
 * Migrations for Exchange ActiveSync (issue #15): versions 100–109. Same dialect rules as
 * migrations.ts. Everything a device has been told lives here, so any web node can serve its
 * next request and a node killed mid-command loses nothing.
 */
import type { Migration } from './migrations';

export const easMigrations: Migration[] = [
  {
    version: 100,
    name: 'ActiveSync devices (policy keys, remote wipe) and their folder hierarchy state',
    sql: `
CREATE TABLE eas_devices (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  device_type TEXT NOT NULL,
  user_agent TEXT,
  protocol_version TEXT,
  -- The acknowledged policy key (MS-ASPROV step two); NULL: not provisioned.
  policy_key BIGINT,
  -- The temporary key of step one, until the device acknowledges the policy with it.
  pending_policy_key BIGINT,
  provisioned_at TIMESTAMPTZ,
  wipe_state TEXT NOT NULL DEFAULT 'none' CHECK (wipe_state IN ('none', 'pending', 'wiped')),
  -- AccountOnlyRemoteWipe (16.1): the device removes this account's data only.
  wipe_account_only BOOLEAN NOT NULL DEFAULT false,
  wipe_requested_at TIMESTAMPTZ,
  wipe_acknowledged_at TIMESTAMPTZ,
  -- settings:DeviceInformation (model, IMEI, friendly name, OS …) as the device last sent it.
  device_info JSONB NOT NULL DEFAULT '{}',
  first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_sync TIMESTAMPTZ,
  UNIQUE (account_id, device_id)
);

-- FolderSync: the hierarchy as the device last received it, under its SyncKey. The previous
-- key and snapshot stay so that a device that lost the response can repeat the request.
CREATE TABLE eas_folder_state (
  device_row_id BIGINT PRIMARY KEY REFERENCES eas_devices(id) ON DELETE CASCADE,
  sync_key INTEGER NOT NULL,
  folders JSONB NOT NULL,
  previous_key INTEGER,
  previous_folders JSONB,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 101,
    name: 'ActiveSync Sync state per device and collection, the last Sync request and Ping parameters',
    sql: `
-- Sync (MS-ASCMD 2.2.1.21): what the device holds of one collection under its SyncKey
-- (ServerId -> version), the options it last sent, and what the last response carried under the
-- previous key, so a device that lost that response gets the same answer again.
CREATE TABLE eas_sync_state (
  device_row_id BIGINT NOT NULL REFERENCES eas_devices(id) ON DELETE CASCADE,
  collection_id TEXT NOT NULL,
  sync_key INTEGER NOT NULL,
  snapshot JSONB NOT NULL,
  previous_key INTEGER,
  last_response JSONB,
  options JSONB NOT NULL DEFAULT '{}',
  item_class TEXT,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (device_row_id, collection_id)
);

-- The last Sync request with collections (an empty or Partial request re-uses it) and the last
-- Ping's heartbeat and folders (an empty Ping re-uses them), per device.
CREATE TABLE eas_sync_cache (
  device_row_id BIGINT PRIMARY KEY REFERENCES eas_devices(id) ON DELETE CASCADE,
  sync_request JSONB,
  ping_heartbeat INTEGER,
  ping_folders JSONB,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 105,
    name: 'ActiveSync ClientIds of sent messages (SendMail, SmartReply, SmartForward), per device',
    sql: `
-- A device repeats a send whose response it lost with the same ClientId; the server answers
-- Status 118 instead of sending twice (MS-ASCMD 2.2.3.28.1). Pruned after a retention period.
CREATE TABLE eas_sent_messages (
  device_row_id BIGINT NOT NULL REFERENCES eas_devices(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  sent_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (device_row_id, client_id)
);
`,
  },
  {
    version: 106,
    name: 'ActiveSync Sync: Supported (ghosted properties) per collection, and the ClientIds of applied Adds',
    sql: `
-- The airsync:Supported element names a device sent with SyncKey 0 (MS-ASCMD 2.2.3.168):
-- absent properties outside it are ghosted on a Change. NULL: the device sent none.
ALTER TABLE eas_sync_state ADD COLUMN supported JSONB;

-- A client Add applied by a source (on its own connection) before the Sync state was saved:
-- the device's retry with the same SyncKey and ClientId gets the recorded ServerId back
-- instead of a second item. Rows older than the previous key are pruned as the state advances.
CREATE TABLE eas_sync_client_adds (
  device_row_id BIGINT NOT NULL REFERENCES eas_devices(id) ON DELETE CASCADE,
  collection_id TEXT NOT NULL,
  sync_key INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  server_id TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (device_row_id, collection_id, sync_key, client_id)
);
`,
  },
];
