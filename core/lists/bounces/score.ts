import type { BounceKind } from './classify';

export interface BounceState {
  score: number;
  lastBounceAt: Date | null;
}

export interface ScoreSettings {
  bounceScoreThreshold: number;
  bounceStaleDays: number;
}

/**
 * Mailman's bounce score: hard +1, soft +0.5, at most one bounce counted per (UTC) day, and a
 * score whose last bounce is older than bounceStaleDays starts again from zero. Pure.
 */
export function nextBounceState(
  state: BounceState,
  kind: Exclude<BounceKind, 'ignore'>,
  now: Date,
  settings: ScoreSettings,
): { state: BounceState; counted: boolean; disable: boolean } {
  const last = state.lastBounceAt;
  if (last && utcDay(last) === utcDay(now)) {
    return { state, counted: false, disable: state.score >= settings.bounceScoreThreshold };
  }
  const stale = !last || now.getTime() - last.getTime() > settings.bounceStaleDays * 86_400_000;
  const score = (stale ? 0 : state.score) + (kind === 'hard' ? 1 : 0.5);
  return {
    state: { score, lastBounceAt: now },
    counted: true,
    disable: score >= settings.bounceScoreThreshold,
  };
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);
