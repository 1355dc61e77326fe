/**
 * The device policy sent in Provision (MS-ASPROV EASProvisionDoc). Defaults ask nothing of the
 * device (no password, no encryption) so that any phone can connect; a deployment tightens them
 * (docs/activesync.md lists each setting). Values are written in the order MS-ASPROV lists them.
 */
import { el, type EasElement } from './wbxml/tree';

export interface EasPolicy {
  devicePasswordEnabled: boolean;
  alphanumericDevicePasswordRequired: boolean;
  /** Characters; applies when a password is required. */
  minDevicePasswordLength: number;
  /** Complex character groups (1–4) an alphanumeric password needs. */
  minDevicePasswordComplexCharacters: number;
  allowSimpleDevicePassword: boolean;
  /** Seconds without use before the device locks (0 = no limit). */
  maxInactivityTimeDeviceLock: number;
  /** Failed unlocks before the device wipes itself (0 = no limit). */
  maxDevicePasswordFailedAttempts: number;
  /** Days a password lasts (0 = forever). */
  devicePasswordExpiration: number;
  /** Earlier passwords that may not be reused. */
  devicePasswordHistory: number;
  passwordRecoveryEnabled: boolean;
  requireDeviceEncryption: boolean;
  requireStorageCardEncryption: boolean;
  attachmentsEnabled: boolean;
  /** Bytes (0 = no limit). */
  maxAttachmentSize: number;
  allowStorageCard: boolean;
  allowCamera: boolean;
  allowHTMLEmail: boolean;
  allowBrowser: boolean;
  allowConsumerEmail: boolean;
}

export const DEFAULT_POLICY: EasPolicy = {
  devicePasswordEnabled: false,
  alphanumericDevicePasswordRequired: false,
  minDevicePasswordLength: 4,
  minDevicePasswordComplexCharacters: 1,
  allowSimpleDevicePassword: true,
  maxInactivityTimeDeviceLock: 900,
  maxDevicePasswordFailedAttempts: 0,
  devicePasswordExpiration: 0,
  devicePasswordHistory: 0,
  passwordRecoveryEnabled: false,
  requireDeviceEncryption: false,
  requireStorageCardEncryption: false,
  attachmentsEnabled: true,
  maxAttachmentSize: 0,
  allowStorageCard: true,
  allowCamera: true,
  allowHTMLEmail: true,
  allowBrowser: true,
  allowConsumerEmail: true,
};

const flag = (b: boolean) => (b ? '1' : '0');
/** Optional numbers: an empty element means "no limit" (MS-ASPROV). */
const limit = (n: number) => (n > 0 ? String(n) : null);

export function provisionDoc(p: EasPolicy): EasElement {
  const e = (name: string, value: string | null) => el('Provision', name, value);
  const passwords = p.devicePasswordEnabled;
  return el(
    'Provision',
    'EASProvisionDoc',
    e('DevicePasswordEnabled', flag(passwords)),
    e('AlphanumericDevicePasswordRequired', flag(passwords && p.alphanumericDevicePasswordRequired)),
    e('PasswordRecoveryEnabled', flag(p.passwordRecoveryEnabled)),
    e('RequireStorageCardEncryption', flag(p.requireStorageCardEncryption)),
    e('AttachmentsEnabled', flag(p.attachmentsEnabled)),
    e('MinDevicePasswordLength', passwords ? String(p.minDevicePasswordLength) : null),
    e('MaxInactivityTimeDeviceLock', limit(p.maxInactivityTimeDeviceLock)),
    e('MaxDevicePasswordFailedAttempts', passwords ? limit(p.maxDevicePasswordFailedAttempts) : null),
    e('MaxAttachmentSize', limit(p.maxAttachmentSize)),
    e('AllowSimpleDevicePassword', flag(!passwords || p.allowSimpleDevicePassword)),
    e('DevicePasswordExpiration', passwords ? limit(p.devicePasswordExpiration) : null),
    e('DevicePasswordHistory', String(passwords ? p.devicePasswordHistory : 0)),
    e('AllowStorageCard', flag(p.allowStorageCard)),
    e('AllowCamera', flag(p.allowCamera)),
    e('RequireDeviceEncryption', flag(p.requireDeviceEncryption)),
    e('AllowUnsignedApplications', '1'),
    e('AllowUnsignedInstallationPackages', '1'),
    e('MinDevicePasswordComplexCharacters', String(p.minDevicePasswordComplexCharacters)),
    e('AllowWiFi', '1'),
    e('AllowTextMessaging', '1'),
    e('AllowPOPIMAPEmail', '1'),
    e('AllowBluetooth', '2'),
    e('AllowIrDA', '1'),
    e('RequireManualSyncWhenRoaming', '0'),
    e('AllowDesktopSync', '1'),
    e('MaxCalendarAgeFilter', '0'),
    e('AllowHTMLEmail', flag(p.allowHTMLEmail)),
    e('MaxEmailAgeFilter', '0'),
    e('MaxEmailBodyTruncationSize', '-1'),
    e('MaxEmailHTMLBodyTruncationSize', '-1'),
    e('RequireSignedSMIMEMessages', '0'),
    e('RequireEncryptedSMIMEMessages', '0'),
    e('RequireSignedSMIMEAlgorithm', '0'),
    e('RequireEncryptionSMIMEAlgorithm', '0'),
    e('AllowSMIMEEncryptionAlgorithmNegotiation', '2'),
    e('AllowSMIMESoftCerts', '1'),
    e('AllowBrowser', flag(p.allowBrowser)),
    e('AllowConsumerEmail', flag(p.allowConsumerEmail)),
    e('AllowRemoteDesktop', '1'),
    e('AllowInternetSharing', '1'),
    el('Provision', 'UnapprovedInROMApplicationList'),
    el('Provision', 'ApprovedApplicationList'),
  );
}
