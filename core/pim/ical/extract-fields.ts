/**
 * The fields a store keeps beside a calendar object: its UID and component type, and the span all
 * its instances cover, for a time-range pre-filter in SQL. The span is conservative: floating and
 * all-day times are widened by the extreme UTC offsets (their instant depends on the reader's time
 * zone), a series without end or one cut by the expansion cap has no lastEnd, and a VTODO with no
 * date has neither bound (it matches every range, RFC 4791 §9.9).
 */
import type { CalendarComponent } from '../types';
import { InvalidCalendarData } from './errors';
import { expandInstances, isUnbounded, type ExpandOptions } from './instances';
import { instanceInterval } from './intervals';
import { parseCalendarObject, type ParsedCalendar } from './parse-calendar';
import { FLOATING_SLACK_MS } from './time-values';

export interface CalendarFields {
  uid: string;
  component: CalendarComponent;
  firstStart: Date | null;
  lastEnd: Date | null;
}

/** Validates a calendar object resource (throws InvalidCalendarData) and extracts its fields. */
export function extractCalendarFields(
  ics: string,
  options: Pick<ExpandOptions, 'maxInstances'> = {},
): CalendarFields {
  const parsed = parseCalendarObject(ics);
  const { uid, component } = parsed;
  try {
    return { uid, component, ...span(parsed, options.maxInstances) };
  } catch (err) {
    // A rule or time zone definition ical.js can't work with (its values decoded fine).
    throw new InvalidCalendarData('valid-calendar-data', `cannot expand: ${(err as Error).message}`);
  }
}

function span(
  parsed: ParsedCalendar,
  cap: number | undefined,
): Pick<CalendarFields, 'firstStart' | 'lastEnd'> {
  // A series without end has no lastEnd: its first occurrence (and the overrides) give firstStart.
  const unbounded = !!parsed.master && isUnbounded(parsed.master);
  const maxInstances = unbounded ? 1 : cap;
  const expansion = expandInstances(parsed.master, parsed.overrides, { maxInstances, floatingZone: null });
  let first = Infinity;
  let last = -Infinity;
  let undated = false;
  for (const instance of expansion.instances) {
    const interval = instanceInterval(instance, null);
    if (!interval) {
      undated = true;
      continue;
    }
    const slack = interval.floating ? FLOATING_SLACK_MS : 0;
    first = Math.min(first, interval.startMs - slack);
    last = Math.max(last, interval.endMs + slack);
  }
  if (undated || first === Infinity) return { firstStart: null, lastEnd: null };
  // A rule the step bound ended (issue #16) is treated as producing no further instances, as at
  // every query (same gap bound), so the span ends at its last found instance. Such an object is
  // still valid calendar data and is stored (201), not refused with CALDAV:valid-calendar-data
  // (RFC 4791 §5.3.2.1): RFC 5545 §3.8.5.3 makes DTSTART the first instance whatever the rule
  // yields, and a rule not synchronized with DTSTART gives an undefined, not an invalid, set.
  const open = (expansion.unbounded && !expansion.stepLimited) || !expansion.complete;
  return { firstStart: new Date(first), lastEnd: open ? null : new Date(last) };
}
