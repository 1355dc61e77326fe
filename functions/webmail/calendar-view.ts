/**
 * Calendar objects as the webmail shows them: every instance in a range (core/pim/ical's
 * expansion, overrides in place, EXDATEs out), with times as UTC instants and all-day dates as
 * dates. Floating times are read in the browser's time zone (an IANA name, via Intl).
 */
import type { IcalComponent, IcalTime } from '../../core/pim/ical/ical-lib';
import { expandInstances, ownInstance, type Instance } from '../../core/pim/ical/instances';
import { parseCalendarObject } from '../../core/pim/ical/parse-calendar';
import { isFloating } from '../../core/pim/ical/time-values';
import { attendeeProperty, participants } from '../../core/pim/scheduling/itip';
import { mailtoAddress } from '../../core/pim/scheduling/ports';
import type { PimObject } from '../../core/pim/types';
import type { Recurrence } from './calendar-input';
import { fail } from './pim-session';

export interface EventView {
  /** "<calendar>/<object name>": what PUT/DELETE take. */
  id: string;
  calendar: string;
  uid: string;
  etag: string;
  /** The instance's RECURRENCE-ID as ical.js prints it (null: not a recurring event). */
  recurrenceId: string | null;
  title: string;
  allDay: boolean;
  /** ISO instant (timed) or "YYYY-MM-DD" (all-day; end exclusive). */
  start: string;
  end: string;
  location: string;
  description: string;
  status: string;
  organizer: string | null;
  attendees: { address: string; partstat: string }[];
  /** The user's own PARTSTAT when invited by someone else. */
  myPartstat: string | null;
  /** The series rule, when it is one the dialog can show (daily/weekly). */
  recurrence: Recurrence | null;
  /** A recurring event's first start and end (what an edit of the whole series moves). */
  series: { start: string; end: string } | null;
}

/** Checks an IANA time zone name (400 otherwise). */
export function checkZone(tz: string | null): string {
  const zone = tz || 'UTC';
  if (zone.length > 64) return fail(400, 'bad time zone');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return fail(400, `unknown time zone "${zone.slice(0, 64)}"`);
  }
  return zone;
}

function offsetMs(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - ms;
}

/** The instant of a wall-clock time (given as if it were UTC) in `zone`. */
export function wallClockToUtc(wallMs: number, zone: string): number {
  const first = wallMs - offsetMs(zone, wallMs);
  return wallMs - offsetMs(zone, first);
}

const wallMs = (t: IcalTime) => {
  const c = t.clone();
  c.isDate = false;
  return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
};
const instant = (t: IcalTime, zone: string) =>
  isFloating(t) ? wallClockToUtc(wallMs(t), zone) : t.toUnixTime() * 1000;
const dateText = (t: IcalTime) =>
  `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;

const shown = (t: IcalTime, zone: string) =>
  t.isDate ? dateText(t) : new Date(instant(t, zone)).toISOString();

function endOf(i: Instance): IcalTime | null {
  if (!i.start) return null;
  if (i.end) return i.end;
  const end = i.start.clone();
  if (i.duration) end.addDuration(i.duration);
  else if (i.start.isDate) end.adjust(1, 0, 0, 0);
  return end;
}

function ruleOf(master: IcalComponent | null): Recurrence | null {
  const rule = master?.getFirstPropertyValue('rrule') as
    { freq: string; count?: number | null; until?: IcalTime | null; interval?: number } | null | undefined;
  if (!rule || (rule.freq !== 'DAILY' && rule.freq !== 'WEEKLY')) return null;
  return {
    freq: rule.freq,
    count: rule.count ?? null,
    until: rule.until ? dateText(rule.until) : null,
  };
}

export interface RangeQuery {
  startMs: number;
  endMs: number;
  zone: string;
  me: string;
  maxInstances: number;
}

/** The instances of `object` overlapping [startMs, endMs). Objects that fail to parse show nothing. */
export function instancesOf(calendar: string, object: PimObject, q: RangeQuery): EventView[] {
  if (object.component !== 'VEVENT') return [];
  let parsed;
  try {
    parsed = parseCalendarObject(object.data);
  } catch {
    return [];
  }
  const info = participants(parsed.vcalendar);
  const recurring = Boolean(parsed.master?.hasProperty('rrule') || parsed.master?.hasProperty('rdate'));
  const expansion = expandInstances(parsed.master, parsed.overrides, {
    untilMs: q.endMs + 14 * 3600_000,
    maxInstances: q.maxInstances,
    floatingZone: null,
  });
  const out: EventView[] = [];
  const first = parsed.master && recurring ? ownInstance(parsed.master) : null;
  const firstEnd = first ? endOf(first) : null;
  const series =
    first?.start && firstEnd ? { start: shown(first.start, q.zone), end: shown(firstEnd, q.zone) } : null;
  for (const i of expansion.instances) {
    const end = endOf(i);
    if (!i.start || !end) continue;
    const s = instant(i.start, q.zone);
    const e = Math.max(instant(end, q.zone), s);
    const overlaps = e === s ? s >= q.startMs && s < q.endMs : s < q.endMs && e > q.startMs;
    if (!overlaps) continue;
    const c = i.component;
    const mine = attendeeProperty(c, q.me);
    out.push({
      id: `${calendar}/${object.name}`,
      calendar,
      uid: parsed.uid,
      etag: object.etag,
      recurrenceId: recurring && i.recurrenceId ? String(i.recurrenceId) : null,
      title: String(c.getFirstPropertyValue('summary') ?? ''),
      allDay: i.start.isDate,
      start: i.start.isDate ? dateText(i.start) : new Date(s).toISOString(),
      end: i.start.isDate ? dateText(end) : new Date(e).toISOString(),
      series,
      location: String(c.getFirstPropertyValue('location') ?? ''),
      description: String(c.getFirstPropertyValue('description') ?? ''),
      status: String(c.getFirstPropertyValue('status') ?? '').toUpperCase(),
      organizer: info.organizer,
      attendees: c
        .getAllProperties('attendee')
        .map((p) => ({
          address: mailtoAddress(p.getFirstValue()) ?? '',
          partstat: String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase(),
        }))
        .filter((a) => a.address !== ''),
      myPartstat:
        mine && info.organizer !== q.me
          ? String(mine.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase()
          : null,
      recurrence: ruleOf(parsed.master),
    });
  }
  return out;
}
