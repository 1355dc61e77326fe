/**
 * Instants from iCalendar times. TZIDs resolve against the VTIMEZONEs the object carries (ical.js
 * looks them up in the component tree). A floating time, an all-day DATE, or a TZID the object does
 * not define (ical.js then falls back to floating) is read in the calendar's time zone when one is
 * known (CALDAV:timezone of the query, or calendar-timezone of the collection), else in UTC.
 */
import ICAL, { type IcalComponent, type IcalTime, type IcalTimezone } from './ical-lib';

/** The widest UTC offsets in use (−12:00 … +14:00): floating times span this much when no zone is known. */
export const FLOATING_SLACK_MS = 14 * 3600_000;

export function isFloating(time: IcalTime): boolean {
  return time.isDate || !time.zone || time.zone.tzid === 'floating';
}

/** Milliseconds since the epoch of `time`, a floating one read in `floatingZone` (UTC if none). */
export function epochMs(time: IcalTime, floatingZone: IcalTimezone | null): number {
  if (isFloating(time)) {
    const local = time.clone();
    local.zone = floatingZone ?? ICAL.Timezone.utcTimezone;
    return local.toUnixTime() * 1000;
  }
  return time.toUnixTime() * 1000;
}

export function toDate(time: IcalTime, floatingZone: IcalTimezone | null): Date {
  return new Date(epochMs(time, floatingZone));
}

/** A UTC ICAL.Time for an instant. */
export function utcTime(ms: number): IcalTime {
  return ICAL.Time.fromJSDate(new Date(Math.floor(ms / 1000) * 1000), true);
}

/** The time zone a VCALENDAR or bare VTIMEZONE text defines (CALDAV:timezone, calendar-timezone). */
export function timezoneFromText(text: string | null | undefined): IcalTimezone | null {
  if (!text) return null;
  try {
    const root = new ICAL.Component(ICAL.parse(text));
    const vtimezone = root.name === 'vtimezone' ? root : root.getFirstSubcomponent('vtimezone');
    return vtimezone ? new ICAL.Timezone(vtimezone as IcalComponent) : null;
  } catch {
    return null;
  }
}

/** "20260301T120000Z": an instant as an iCalendar UTC DATE-TIME. */
export function formatUtc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
