/**
 * A VTIMEZONE for an IANA zone, derived from the platform's Intl data, so a repeating event the
 * webmail writes keeps its wall-clock time across daylight-saving changes (a UTC DTSTART would
 * move by an hour). The rules are those in force in the given year: the offsets of January and
 * July, and the transitions between them as yearly rules (nth/last weekday of the month).
 */
import ICAL, { type IcalComponent, type IcalTime, type IcalTimezone } from '../../core/pim/ical/ical-lib';

function offsetMinutes(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'));
  return Math.round((wall - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

const offsetText = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`; // ical.js reads "+hh:mm"
};

/** The first minute in [from, to) with the offset of `to` (binary search; one change inside). */
function transition(zone: string, from: number, to: number): number {
  const target = offsetMinutes(zone, to);
  let lo = from;
  let hi = to;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetMinutes(zone, mid) === target) hi = mid;
    else lo = mid;
  }
  return hi;
}

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

function observance(at: number, from: number, to: number, name: 'standard' | 'daylight'): IcalComponent {
  // The wall-clock time of the change, in the offset before it.
  const local = new Date(at + from * 60_000);
  const day = local.getUTCDate();
  const month = local.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(local.getUTCFullYear(), month, 0)).getUTCDate();
  const nth = day + 7 > lastDay ? -1 : Math.ceil(day / 7);
  const c = new ICAL.Component(name);
  const start = {
    year: 1970,
    month,
    day: 1,
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: 0,
  };
  c.addPropertyWithValue('dtstart', ICAL.Time.fromData({ ...start, isDate: false }));
  c.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromString(offsetText(from)));
  c.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromString(offsetText(to)));
  c.addPropertyWithValue(
    'rrule',
    ICAL.Recur.fromString(`FREQ=YEARLY;BYMONTH=${month};BYDAY=${nth}${DAYS[local.getUTCDay()]}`),
  );
  return c;
}

/** The VTIMEZONE of `zone` as in force in `year` (null for UTC). */
export function vtimezoneFor(zone: string, year: number): IcalComponent | null {
  if (zone === 'UTC' || zone === 'Etc/UTC') return null;
  const jan = Date.UTC(year, 0, 1);
  const jul = Date.UTC(year, 6, 1);
  const next = Date.UTC(year + 1, 0, 1);
  const winter = offsetMinutes(zone, jan);
  const summer = offsetMinutes(zone, jul);
  const vtimezone = new ICAL.Component('vtimezone');
  vtimezone.addPropertyWithValue('tzid', zone);
  if (winter === summer) {
    const c = new ICAL.Component('standard');
    c.addPropertyWithValue('dtstart', ICAL.Time.fromDateTimeString('1970-01-01T00:00:00'));
    c.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromString(offsetText(winter)));
    c.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromString(offsetText(winter)));
    vtimezone.addSubcomponent(c);
    return vtimezone;
  }
  // Northern zones gain an hour in spring (daylight = the larger offset), southern ones in autumn.
  const toSummer = transition(zone, jan, jul);
  const toWinter = transition(zone, jul, next);
  const daylightIsSummer = summer > winter;
  vtimezone.addSubcomponent(observance(toSummer, winter, summer, daylightIsSummer ? 'daylight' : 'standard'));
  vtimezone.addSubcomponent(observance(toWinter, summer, winter, daylightIsSummer ? 'standard' : 'daylight'));
  return vtimezone;
}

/** An instant as wall-clock time in the zone the VTIMEZONE defines. */
export function zonedTime(ms: number, zone: string, vtimezone: IcalComponent): IcalTime {
  const tz: IcalTimezone = new ICAL.Timezone(vtimezone);
  const wall = new Date(ms + offsetMinutes(zone, ms) * 60_000);
  return ICAL.Time.fromData(
    {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      isDate: false,
    },
    tz,
  );
}
