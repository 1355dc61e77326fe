/**
 * ActiveSync protocol constants: the versions served, the command codes of the base64 query
 * string (MS-ASHTTP §2.2.1.1.1.1.2) and the status codes common to all commands (MS-ASCMD §2.2.2).
 */

/** MS-ASProtocolVersions, oldest first. 12.x is not offered (its provisioning differs, HTTP 449). */
export const PROTOCOL_VERSIONS = ['14.0', '14.1', '16.0', '16.1'] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

export const isProtocolVersion = (v: string | undefined): v is ProtocolVersion =>
  (PROTOCOL_VERSIONS as readonly string[]).includes(v ?? '');

/** Numeric comparison of versions ("16.1" ≥ "14.1"). */
export const versionAtLeast = (v: string, min: string): boolean => Number(v) >= Number(min);

/** Every MS-ASCMD command by its base64 query string code; the router offers those it implements. */
export const COMMAND_CODES: Record<number, string> = {
  0: 'Sync',
  1: 'SendMail',
  2: 'SmartForward',
  3: 'SmartReply',
  4: 'GetAttachment',
  9: 'FolderSync',
  10: 'FolderCreate',
  11: 'FolderDelete',
  12: 'FolderUpdate',
  13: 'MoveItems',
  14: 'GetItemEstimate',
  15: 'MeetingResponse',
  16: 'Search',
  17: 'Settings',
  18: 'Ping',
  19: 'ItemOperations',
  20: 'Provision',
  21: 'ResolveRecipients',
  22: 'ValidateCert',
  23: 'Find',
};

/** Status values every command may answer with (MS-ASCMD §2.2.2 common status codes). */
export const CommonStatus = {
  InvalidContent: 101,
  InvalidWBXML: 102,
  InvalidXML: 103,
  DeviceIdMissingOrInvalid: 108,
  DeviceTypeMissingOrInvalid: 109,
  ServerError: 110,
  ServerErrorRetryLater: 111,
  DeviceIsBlockedForThisUser: 129,
  AccessDenied: 130,
  AccountDisabled: 131,
  SyncStateNotFound: 132,
  CommandNotSupported: 137,
  VersionNotSupported: 138,
  DeviceNotFullyProvisionable: 139,
  RemoteWipeRequested: 140,
  DeviceNotProvisioned: 142,
  PolicyRefresh: 143,
  InvalidPolicyKey: 144,
} as const;

/** The MS-ASPROV policy type of EAS 12.0 and later. */
export const POLICY_TYPE = 'MS-EAS-Provisioning-WBXML';
