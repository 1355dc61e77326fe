/**
 * RFC 4791 §9.9: does a component (one instance of it) overlap a time-range? One rule per
 * component type, as the RFC's tables give them. Ranges are in ms; an absent bound is ±Infinity.
 */
import ICAL, {
  type IcalComponent,
  type IcalDuration,
  type IcalPeriod,
  type IcalTime,
  type IcalTimezone,
} from './ical-lib';
import type { Instance } from './instances';
import { instanceInterval, overlaps } from './intervals';
import { epochMs } from './time-values';

export interface Range {
  start: number;
  end: number;
}

export function rangeOf(range: { start: Date | null; end: Date | null }): Range {
  return { start: range.start?.getTime() ?? -Infinity, end: range.end?.getTime() ?? Infinity };
}

function after(time: IcalTime, duration: IcalDuration, zone: IcalTimezone | null): number {
  const t = time.clone();
  t.addDuration(duration);
  return epochMs(t, zone);
}

function dateValue(c: IcalComponent, name: string, zone: IcalTimezone | null): number | null {
  const v = c.getFirstPropertyValue(name) as IcalTime | null;
  return v ? epochMs(v, zone) : null;
}

/** The VTODO table of §9.9. */
function todoOverlaps(instance: Instance, { start: S, end: E }: Range, zone: IcalTimezone | null): boolean {
  const ds = instance.start ? epochMs(instance.start, zone) : null;
  const due = instance.end ? epochMs(instance.end, zone) : null;
  if (ds !== null && instance.start && instance.duration) {
    const de = after(instance.start, instance.duration, zone);
    return S <= de && (E > ds || E >= de);
  }
  if (ds !== null && due !== null) return (S < due || S <= ds) && (E > ds || E >= due);
  if (ds !== null) return S <= ds && E > ds;
  if (due !== null) return S < due && E >= due;
  const completed = dateValue(instance.component, 'completed', zone);
  const created = dateValue(instance.component, 'created', zone);
  if (completed !== null && created !== null) {
    return (S <= created || S <= completed) && (E >= created || E >= completed);
  }
  if (completed !== null) return S <= completed && E >= completed;
  if (created !== null) return E > created;
  return true;
}

function freeBusyOverlaps(c: IcalComponent, { start: S, end: E }: Range, zone: IcalTimezone | null): boolean {
  const ds = dateValue(c, 'dtstart', zone);
  const de = dateValue(c, 'dtend', zone);
  if (ds !== null && de !== null) return S <= de && E > ds;
  const periods = c.getAllProperties('freebusy').flatMap((p) => p.getValues() as IcalPeriod[]);
  if (periods.length === 0) return false;
  return periods.some((p) => {
    const ps = epochMs(p.start, zone);
    const pe = p.end ? epochMs(p.end, zone) : after(p.start, p.duration, zone);
    return S < pe && E > ps;
  });
}

/** The instants an alarm triggers at for one instance of its parent (TRIGGER, then REPEAT × DURATION). */
export function alarmTimes(alarm: IcalComponent, parent: Instance, zone: IcalTimezone | null): number[] {
  const trigger = alarm.getFirstProperty('trigger');
  if (!trigger) return [];
  const value = trigger.getFirstValue() as IcalTime | IcalDuration;
  let first: number;
  if (value instanceof ICAL.Duration) {
    const related = String(trigger.getParameter('related') ?? 'START').toUpperCase();
    const interval = instanceInterval(parent, zone);
    if (!interval) return [];
    const base = related === 'END' ? interval.endMs : interval.startMs;
    first = base + value.toSeconds() * 1000;
  } else {
    first = epochMs(value, zone);
  }
  const times = [first];
  const repeat = Number(alarm.getFirstPropertyValue('repeat') ?? 0);
  const every = alarm.getFirstPropertyValue('duration') as IcalDuration | null;
  if (every && repeat > 0) {
    const step = every.toSeconds() * 1000;
    for (let i = 1; i <= Math.min(repeat, 1000); i++) times.push(first + i * step);
  }
  return times;
}

/** Whether one instance of a VEVENT, VTODO, VJOURNAL or VFREEBUSY overlaps the range. */
export function instanceOverlaps(instance: Instance, range: Range, zone: IcalTimezone | null): boolean {
  switch (instance.component.name) {
    case 'vtodo':
      return todoOverlaps(instance, range, zone);
    case 'vfreebusy':
      return freeBusyOverlaps(instance.component, range, zone);
    case 'vevent':
    case 'vjournal': {
      if (!instance.start) return false;
      const i = instanceInterval(instance, zone);
      return !!i && overlaps(range.start, range.end, i.startMs, i.endMs);
    }
    default:
      return false;
  }
}

/** A VALARM of an instance overlaps when one of its trigger instants falls in [start, end). */
export function alarmOverlaps(
  alarm: IcalComponent,
  parent: Instance,
  range: Range,
  zone: IcalTimezone | null,
): boolean {
  return alarmTimes(alarm, parent, zone).some((t) => range.start <= t && range.end > t);
}
