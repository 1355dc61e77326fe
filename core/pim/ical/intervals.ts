/**
 * The span of one instance as RFC 4791 §9.9 reads it: VEVENT end from DTEND, else DTSTART+DURATION,
 * else one day after an all-day DTSTART, else the start instant itself; VTODO from DTSTART/DUE/
 * DURATION; VJOURNAL like an event without end.
 */
import type { IcalTimezone } from './ical-lib';
import type { Instance } from './instances';
import { epochMs, isFloating } from './time-values';

const DAY_MS = 86_400_000;

export interface Interval {
  startMs: number;
  endMs: number;
  /** Some value was floating (or all-day): its instant depends on the time zone it is read in. */
  floating: boolean;
}

/** [start, end] of an instance, or null when it has no date to place it (a VTODO without any). */
export function instanceInterval(instance: Instance, zone: IcalTimezone | null): Interval | null {
  const { start, end, duration } = instance;
  if (!start) {
    if (!end) return null;
    const at = epochMs(end, zone);
    return { startMs: at, endMs: at, floating: isFloating(end) };
  }
  const startMs = epochMs(start, zone);
  let endMs = startMs;
  if (end) endMs = epochMs(end, zone);
  else if (duration) {
    const shifted = start.clone();
    shifted.addDuration(duration);
    endMs = epochMs(shifted, zone);
  } else if (start.isDate && instance.component.name !== 'vtodo') endMs = startMs + DAY_MS;
  return {
    startMs,
    endMs: Math.max(endMs, startMs),
    floating: isFloating(start) || (!!end && isFloating(end)),
  };
}

/**
 * RFC 4791 §9.9 overlap of [rangeStart, rangeEnd) with an instance: a span with length overlaps
 * when start < its end and end > its start; an instant when start <= it < end.
 */
export function overlaps(rangeStart: number, rangeEnd: number, startMs: number, endMs: number): boolean {
  if (endMs > startMs) return rangeStart < endMs && rangeEnd > startMs;
  return rangeStart <= startMs && rangeEnd > startMs;
}
