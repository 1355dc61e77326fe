/**
 * Ping's limits (EasDeps.ping) with the periodic re-check interval, which has a default: the
 * events port wakes a waiting Ping at once, the re-check only catches what it missed.
 */
import type { EasDeps } from '../command';

export interface PingSettings {
  minHeartbeatSeconds: number;
  maxHeartbeatSeconds: number;
  maxFolders: number;
  /** Seconds between re-checks of the watched folders while waiting. */
  recheckSeconds: number;
}

export const DEFAULT_RECHECK_SECONDS = 60;

export function pingSettings(deps: Pick<EasDeps, 'ping'>): PingSettings {
  const p: EasDeps['ping'] & { recheckSeconds?: number } = deps.ping;
  const recheck = p.recheckSeconds;
  return {
    ...p,
    recheckSeconds: typeof recheck === 'number' && recheck > 0 ? recheck : DEFAULT_RECHECK_SECONDS,
  };
}
