/**
 * The `eas` section of the node configuration (docs/activesync.md "Configuration"): ActiveSync
 * body and WBXML limits, the device policy sent at Provision, Ping's heartbeat bounds and the
 * per-command limits. The defaults are functions/eas/settings.ts DEFAULT_EAS_SETTINGS; the web
 * role passes the parsed section to the ActiveSync endpoint as the WebContext's `eas` overrides
 * (web-role.ts).
 */
import { z } from 'zod';
import { DEFAULT_EAS_SETTINGS } from '../../functions/eas/settings';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => (typeof value === 'boolean' ? value : ['true', '1', 'yes'].includes(value)));

const P = DEFAULT_EAS_SETTINGS.policy;
const W = DEFAULT_EAS_SETTINGS.wbxml;
const PING = DEFAULT_EAS_SETTINGS.ping;
const L = DEFAULT_EAS_SETTINGS.limits;

/** MS-ASPROV EASProvisionDoc values, with the ranges MS-ASPROV allows for each. */
const policy = z
  .object({
    devicePasswordEnabled: flag.default(P.devicePasswordEnabled),
    alphanumericDevicePasswordRequired: flag.default(P.alphanumericDevicePasswordRequired),
    minDevicePasswordLength: int(1, 16).default(P.minDevicePasswordLength),
    minDevicePasswordComplexCharacters: int(1, 4).default(P.minDevicePasswordComplexCharacters),
    allowSimpleDevicePassword: flag.default(P.allowSimpleDevicePassword),
    /** Seconds; 0 = no limit (MS-ASPROV: up to 9999). */
    maxInactivityTimeDeviceLock: int(0, 9999).default(P.maxInactivityTimeDeviceLock),
    /** 0 = no limit, otherwise 4–16 (MS-ASPROV §2.2.2.32). */
    maxDevicePasswordFailedAttempts: int(0, 16)
      .refine((n) => n === 0 || n >= 4, { message: 'use 0 (no limit) or 4–16' })
      .default(P.maxDevicePasswordFailedAttempts),
    /** Days; 0 = forever. */
    devicePasswordExpiration: int(0, 9999).default(P.devicePasswordExpiration),
    devicePasswordHistory: int(0, 50).default(P.devicePasswordHistory),
    passwordRecoveryEnabled: flag.default(P.passwordRecoveryEnabled),
    requireDeviceEncryption: flag.default(P.requireDeviceEncryption),
    requireStorageCardEncryption: flag.default(P.requireStorageCardEncryption),
    attachmentsEnabled: flag.default(P.attachmentsEnabled),
    /** Bytes; 0 = no limit. */
    maxAttachmentSize: int(0, 2 ** 31 - 1).default(P.maxAttachmentSize),
    allowStorageCard: flag.default(P.allowStorageCard),
    allowCamera: flag.default(P.allowCamera),
    allowHTMLEmail: flag.default(P.allowHTMLEmail),
    allowBrowser: flag.default(P.allowBrowser),
    allowConsumerEmail: flag.default(P.allowConsumerEmail),
  })
  .default({});

export const easConfigSchema = z
  .object({
    /** Request bodies above this are answered 413 before decoding (also the WBXML byte bound). */
    maxBodyBytes: int(1024, 1024 ** 3).default(DEFAULT_EAS_SETTINGS.maxBodyBytes),
    /** Bounds on one WBXML document, so hostile input costs little (core/eas/wbxml/errors.ts). */
    wbxml: z
      .object({
        maxDepth: int(8, 1024).default(W.maxDepth),
        maxElements: int(100, 10_000_000).default(W.maxElements),
      })
      .default({}),
    policy,
    /**
     * Ping's HeartbeatInterval bounds (MS-ASCMD: 60–3540 s) and the most folders one Ping may
     * watch. The maximum must stay below the load balancer's idle timeout (3600 s on the ALB).
     */
    ping: z
      .object({
        minHeartbeatSeconds: int(60, 3540).default(PING.minHeartbeatSeconds),
        maxHeartbeatSeconds: int(60, 3540).default(PING.maxHeartbeatSeconds),
        maxFolders: int(1, 10_000).default(PING.maxFolders),
      })
      .default({})
      .refine((p) => p.minHeartbeatSeconds <= p.maxHeartbeatSeconds, {
        message: 'minHeartbeatSeconds must not exceed maxHeartbeatSeconds',
      }),
    /** Per-command bounds (issue #15); the defaults are the values the commands had built in. */
    limits: z
      .object({
        /** Bytes of any body a device is sent (Sync, ItemOperations, Search); longer: truncated. */
        maxBodyBytes: int(1024, 1024 ** 3).default(L.maxBodyBytes),
        /** SendMail / SmartReply / SmartForward: message bytes and envelope recipients. */
        maxMessageBytes: int(1024, 1024 ** 3).default(L.maxMessageBytes),
        maxRecipients: int(1, 10_000).default(L.maxRecipients),
        /** Search / Find: messages one mailbox search may examine. */
        maxSearchScan: int(1, 10_000_000).default(L.maxSearchScan),
        /** Sync: collections and commands in one request (more: Status 4). */
        maxSyncCollections: int(1, 10_000).default(L.maxSyncCollections),
        maxSyncCommands: int(1, 1_000_000).default(L.maxSyncCommands),
        /** ResolveRecipients: To entries per request (MS-ASCMD §2.2.3.183.2 allows at most 100). */
        maxResolveRecipients: int(1, 100).default(L.maxResolveRecipients),
      })
      .default({}),
  })
  .default({});

export type EasConfig = z.infer<typeof easConfigSchema>;
