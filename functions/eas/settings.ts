/**
 * ActiveSync limits and device policy of a deployment. The web context may carry overrides
 * (`eas` on the WebContext, from the node configuration); everything else takes these defaults.
 */
import type { EasLimits } from '../../core/eas/command';
import { LIMITS as RESOLVE_LIMITS } from '../../core/eas/commands/resolve-recipients';
import { DEFAULT_MAX_BODY_BYTES } from '../../core/eas/email/email-body';
import { DEFAULT_POLICY, type EasPolicy } from '../../core/eas/policy';
import { DEFAULT_MAILBOX_SEARCH_LIMITS } from '../../core/eas/search/mailbox-search';
import { DEFAULT_SEND_LIMITS } from '../../core/eas/send/submit';
import { DEFAULT_SYNC_REQUEST_LIMITS } from '../../core/eas/sync/sync-request';
import { DEFAULT_WBXML_LIMITS, type WbxmlLimits } from '../../core/eas/wbxml/errors';
import type { WebContext } from '../web/context';

export interface EasSettings {
  /** Request bodies above this are answered 413 before any decoding. */
  maxBodyBytes: number;
  wbxml: WbxmlLimits;
  policy: EasPolicy;
  /** Ping: HeartbeatInterval bounds (seconds) and the most folders one Ping may watch. */
  ping: { minHeartbeatSeconds: number; maxHeartbeatSeconds: number; maxFolders: number };
  /** Per-command limits (rendered body, SendMail, Search, Sync, ResolveRecipients). */
  limits: EasLimits;
}

export interface EasOverrides {
  maxBodyBytes?: number;
  wbxml?: Partial<WbxmlLimits>;
  policy?: Partial<EasPolicy>;
  ping?: Partial<EasSettings['ping']>;
  limits?: Partial<EasLimits>;
}

/** The constants each command used before they became settings (issue #15). */
export const DEFAULT_EAS_LIMITS: EasLimits = {
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxMessageBytes: DEFAULT_SEND_LIMITS.maxMessageBytes,
  maxRecipients: DEFAULT_SEND_LIMITS.maxRecipients,
  maxSearchScan: DEFAULT_MAILBOX_SEARCH_LIMITS.maxScan,
  maxSyncCollections: DEFAULT_SYNC_REQUEST_LIMITS.maxCollections,
  maxSyncCommands: DEFAULT_SYNC_REQUEST_LIMITS.maxCommands,
  maxResolveRecipients: RESOLVE_LIMITS.maxTo,
};

export const DEFAULT_EAS_SETTINGS: EasSettings = {
  maxBodyBytes: DEFAULT_WBXML_LIMITS.maxBytes,
  wbxml: DEFAULT_WBXML_LIMITS,
  policy: DEFAULT_POLICY,
  // Below the ALB's idle timeout (config: 3600 s on the web target group); phones ask 480–1680 s.
  ping: { minHeartbeatSeconds: 60, maxHeartbeatSeconds: 1740, maxFolders: 300 },
  limits: DEFAULT_EAS_LIMITS,
};

export function easSettings(ctx: WebContext & { eas?: EasOverrides }): EasSettings {
  const o = ctx.eas ?? {};
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_EAS_SETTINGS.maxBodyBytes;
  return {
    maxBodyBytes,
    wbxml: { ...DEFAULT_WBXML_LIMITS, maxBytes: maxBodyBytes, ...o.wbxml },
    policy: { ...DEFAULT_POLICY, ...o.policy },
    ping: { ...DEFAULT_EAS_SETTINGS.ping, ...o.ping },
    limits: { ...DEFAULT_EAS_LIMITS, ...o.limits },
  };
}
