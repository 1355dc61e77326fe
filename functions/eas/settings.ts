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
}

export interface EasOverrides {
  maxBodyBytes?: number;
  wbxml?: Partial<WbxmlLimits>;
  policy?: Partial<EasPolicy>;
}

export const DEFAULT_EAS_SETTINGS: EasSettings = {
  maxBodyBytes: DEFAULT_WBXML_LIMITS.maxBytes,
  wbxml: DEFAULT_WBXML_LIMITS,
  policy: DEFAULT_POLICY,
};

export function easSettings(ctx: WebContext & { eas?: EasOverrides }): EasSettings {
  const o = ctx.eas ?? {};
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_EAS_SETTINGS.maxBodyBytes;
  return {
    maxBodyBytes,
    wbxml: { ...DEFAULT_WBXML_LIMITS, maxBytes: maxBodyBytes, ...o.wbxml },
    policy: { ...DEFAULT_POLICY, ...o.policy },
  };
}
