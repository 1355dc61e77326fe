/**
 * Recurrence (MS-ASCAL §2.2.2.36, MS-ASTASK §2.2.2.19) ↔ an iCalendar RRULE. Type 0 daily, 1
 * weekly, 2 monthly on a day, 3 monthly on the nth weekday, 5 yearly on a date, 6 yearly on the
 * nth weekday of a month; DayOfWeek is a bitmask (1 Sunday … 64 Saturday, 127 "day"), WeekOfMonth
 * 5 means the last. Rules EAS cannot express are sent as the nearest EAS rule of the same
 * frequency, filled in from DTSTART (as Exchange does), and never written back unless changed.
 */
import type { IcalTime } from '../../pim/ical/ical-lib';
import type ICAL from '../../pim/ical/ical-lib';
import { el, type EasElement } from '../wbxml/tree';
import { intOf, parseEasDate, textOf } from './eas-values';

type Recur = InstanceType<typeof ICAL.Recur>;

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** The fields of DTSTART (in the event's own zone) that fill in an incomplete rule. */
export interface LocalStart {
  month: number;
  day: number;
  /** 0 = Sunday. */
  dayOfWeek: number;
}

export function localStartOf(t: IcalTime): LocalStart {
  return { month: t.month, day: t.day, dayOfWeek: t.dayOfWeek() - 1 };
}

interface ByDay {
  n: number;
  day: number;
}

function byDays(parts: Record<string, unknown[] | undefined>): ByDay[] {
  const out: ByDay[] = [];
  for (const v of parts.BYDAY ?? []) {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(String(v));
    if (m) out.push({ n: Number(m[1] ?? 0), day: DAYS.indexOf(m[2]) });
  }
  return out;
}

const mask = (days: number[]) => days.reduce((m, d) => m | (1 << d), 0);

/** The Recurrence element of a rule; `until` formats UNTIL (Compact DateTime or dateTime). */
export function recurrenceElement(
  namespace: 'Calendar' | 'Tasks',
  recur: Recur,
  start: LocalStart,
  until: (ms: number) => string,
  untilMs: number | null,
): EasElement | null {
  const parts = recur.parts as Record<string, unknown[] | undefined>;
  const days = byDays(parts);
  const setpos = Number(parts.BYSETPOS?.[0] ?? 0);
  const monthDays = (parts.BYMONTHDAY ?? []).map(Number);
  // BYMONTHDAY=28,29,30;BYSETPOS=-1 is how "day 30" is stored (monthDay below).
  const monthDay = monthDays.length ? (setpos === -1 ? Math.max(...monthDays) : monthDays[0]) : start.day;
  const month = Number(parts.BYMONTH?.[0] ?? start.month);
  let type: number;
  const fields: [string, number][] = [];
  switch (recur.freq) {
    case 'DAILY':
      type = 0;
      if (days.length) fields.push(['DayOfWeek', mask(days.map((d) => d.day))]);
      break;
    case 'WEEKLY':
      type = 1;
      fields.push(['DayOfWeek', mask(days.length ? days.map((d) => d.day) : [start.dayOfWeek])]);
      break;
    case 'MONTHLY':
    case 'YEARLY': {
      const yearly = recur.freq === 'YEARLY';
      const nth = days.find((d) => d.n !== 0)?.n ?? (days.length ? setpos : 0);
      if (days.length && nth !== 0 && !monthDays.length) {
        type = yearly ? 6 : 3;
        const all = days.length === 7;
        fields.push(['DayOfWeek', all ? 127 : mask(days.map((d) => d.day))]);
        fields.push(['WeekOfMonth', nth < 0 ? 5 : Math.min(nth, 5)]);
      } else {
        type = yearly ? 5 : 2;
        fields.push(['DayOfMonth', monthDay < 0 ? 31 : monthDay]);
      }
      if (yearly) fields.push(['MonthOfYear', month]);
      break;
    }
    default:
      return null;
  }
  const interval = recur.interval > 1 ? recur.interval : 1;
  return el(
    namespace,
    'Recurrence',
    el(namespace, 'Type', type),
    el(namespace, 'Interval', interval),
    untilMs !== null && el(namespace, 'Until', until(untilMs)),
    recur.count ? el(namespace, 'Occurrences', recur.count) : null,
    ...fields.map(([name, value]) => el(namespace, name, value)),
  );
}

/** An RRULE from a device's Recurrence, without UNTIL (given back as ms); null when unusable. */
export function ruleFromRecurrence(
  recurrence: EasElement,
  page: number,
): { rule: string; untilMs: number | null } | null {
  const type = intOf(recurrence, 'Type', page);
  const interval = Math.min(Math.max(intOf(recurrence, 'Interval', page) ?? 1, 1), 999);
  const occurrences = intOf(recurrence, 'Occurrences', page);
  const untilText = textOf(recurrence, 'Until', page);
  const untilMs = untilText ? parseEasDate(untilText) : null;
  const dow = intOf(recurrence, 'DayOfWeek', page) ?? 0;
  const dayOfMonth = intOf(recurrence, 'DayOfMonth', page);
  const week = intOf(recurrence, 'WeekOfMonth', page);
  const monthOfYear = intOf(recurrence, 'MonthOfYear', page);
  const days = DAYS.filter((_, i) => dow & (1 << i));
  const parts: string[] = [];
  const nth = (w: number | null) => (w === 5 ? -1 : Math.min(Math.max(w ?? 1, 1), 4));
  const weekdays = (w: number | null) => {
    // 127 = "day": the nth day of the month; several days = the nth of them (BYSETPOS).
    if (days.length === 1) parts.push(`BYDAY=${nth(w)}${days[0]}`);
    else if (days.length > 1) parts.push(`BYDAY=${days.join(',')}`, `BYSETPOS=${nth(w)}`);
    else return false;
    return true;
  };
  switch (type) {
    case 0:
      // "Every weekday" is daily with DayOfWeek; as a weekly rule an Interval cannot make it
      // unsatisfiable (FREQ=DAILY;INTERVAL=7;BYDAY=SU from a Friday never occurs, and ical.js
      // would search for an occurrence without end).
      if (days.length && days.length < 7) {
        parts.push('FREQ=WEEKLY', `BYDAY=${days.join(',')}`);
        return finish(parts, 1);
      }
      parts.push('FREQ=DAILY');
      break;
    case 1:
      parts.push('FREQ=WEEKLY');
      if (days.length) parts.push(`BYDAY=${days.join(',')}`);
      break;
    case 2:
      parts.push('FREQ=MONTHLY');
      if (dayOfMonth && dayOfMonth <= 31) parts.push(...monthDay(dayOfMonth));
      break;
    case 3:
      parts.push('FREQ=MONTHLY');
      if (!weekdays(week)) return null;
      break;
    case 5:
      parts.push('FREQ=YEARLY');
      if (monthOfYear && monthOfYear <= 12) parts.push(`BYMONTH=${monthOfYear}`);
      if (dayOfMonth && dayOfMonth <= 31) parts.push(...monthDay(dayOfMonth));
      break;
    case 6:
      parts.push('FREQ=YEARLY');
      if (monthOfYear && monthOfYear <= 12) parts.push(`BYMONTH=${monthOfYear}`);
      if (!weekdays(week)) return null;
      break;
    default:
      return null;
  }
  return finish(parts, interval);

  function finish(rule: string[], every: number) {
    if (every > 1) rule.push(`INTERVAL=${every}`);
    if (occurrences && untilMs === null) rule.push(`COUNT=${Math.min(occurrences, 9999)}`);
    return { rule: rule.join(';'), untilMs };
  }
}

/**
 * Day 29–31 of a month is "that day, or the last day of a shorter month" (as Outlook shows it):
 * the last of days 28…d, which every month has — a bare BYMONTHDAY=31 with INTERVAL=12 from
 * February, or 30 in February, never occurs.
 */
function monthDay(day: number): string[] {
  if (day <= 28) return [`BYMONTHDAY=${day}`];
  const days = Array.from({ length: day - 27 }, (_, i) => 28 + i);
  return [`BYMONTHDAY=${days.join(',')}`, 'BYSETPOS=-1'];
}
