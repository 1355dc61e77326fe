/**
 * ActiveSync limits and device policy of a deployment. The web context may carry overrides
 * (`eas` on the WebContext, from the node configuration); everything else takes these defaults.
 */
import { DEFAULT_POLICY, type EasPolicy } from '../../core/eas/policy';
import { DEFAULT_WBXML_LIMITS, type WbxmlLimits } from '../../core/eas/wbxml/errors';
import type { WebContext } from '../web/context';

export interface EasSettings {
  /** Request bodies above this are answered 413 before any decoding. */
  maxBodyBytes: number;
  wbxml: WbxmlLimits;
  policy: EasPolicy;
  /** Ping: HeartbeatInterval bounds (seconds) and the most folders one Ping may watch. */
  ping: { minHeartbeatSeconds: number; maxHeartbeatSeconds: number; maxFolders: number };
}

export interface EasOverrides {
  maxBodyBytes?: number;
  wbxml?: Partial<WbxmlLimits>;
  policy?: Partial<EasPolicy>;
  ping?: Partial<EasSettings['ping']>;
}

export const DEFAULT_EAS_SETTINGS: EasSettings = {
  maxBodyBytes: DEFAULT_WBXML_LIMITS.maxBytes,
  wbxml: DEFAULT_WBXML_LIMITS,
  policy: DEFAULT_POLICY,
  // Below the ALB's idle timeout (config: 3600 s on the web target group); phones ask 480–1680 s.
  ping: { minHeartbeatSeconds: 60, maxHeartbeatSeconds: 1740, maxFolders: 300 },
};

export function easSettings(ctx: WebContext & { eas?: EasOverrides }): EasSettings {
  const o = ctx.eas ?? {};
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_EAS_SETTINGS.maxBodyBytes;
  return {
    maxBodyBytes,
    wbxml: { ...DEFAULT_WBXML_LIMITS, maxBytes: maxBodyBytes, ...o.wbxml },
    policy: { ...DEFAULT_POLICY, ...o.policy },
    ping: { ...DEFAULT_EAS_SETTINGS.ping, ...o.ping },
  };
}
