/**
 * VFREEBUSY for a free-busy-query REPORT (RFC 4791 §7.10) and for scheduling: the busy time of a
 * set of calendar objects within a range. Events count unless TRANSP:TRANSPARENT or
 * STATUS:CANCELLED; TENTATIVE is BUSY-TENTATIVE; Outlook's out-of-office
 * (X-MICROSOFT-CDO-BUSYSTATUS:OOF) is BUSY-UNAVAILABLE; stored VFREEBUSY periods keep their FBTYPE.
 * Periods are clipped to the range and merged per type.
 */
import ICAL, { type IcalComponent, type IcalPeriod, type IcalTimezone } from './ical-lib';
import { expandInstances } from './instances';
import { instanceInterval, overlaps } from './intervals';
import { parseVcalendar } from './parse-calendar';
import { epochMs, formatUtc, timezoneFromText } from './time-values';

export type FreeBusyType = 'BUSY' | 'BUSY-TENTATIVE' | 'BUSY-UNAVAILABLE';
const TYPES: readonly FreeBusyType[] = ['BUSY', 'BUSY-UNAVAILABLE', 'BUSY-TENTATIVE'];

export interface FreeBusyOptions {
  /** calendar-timezone, for floating and all-day times. */
  timezone?: string | null;
  maxInstances?: number;
  /** Extra lines of the VFREEBUSY (scheduling adds ORGANIZER, ATTENDEE, UID). */
  extraProperties?: string[];
  /** The METHOD of the VCALENDAR (REPLY for a schedule response), none for a REPORT. */
  method?: string;
  now?: Date;
}

export type BusyPeriods = Record<FreeBusyType, [number, number][]>;

function eventType(c: IcalComponent): FreeBusyType | null {
  const transp = String(c.getFirstPropertyValue('transp') ?? 'OPAQUE').toUpperCase();
  const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
  if (transp === 'TRANSPARENT' || status === 'CANCELLED') return null;
  if (String(c.getFirstPropertyValue('x-microsoft-cdo-busystatus') ?? '').toUpperCase() === 'OOF') {
    return 'BUSY-UNAVAILABLE';
  }
  return status === 'TENTATIVE' ? 'BUSY-TENTATIVE' : 'BUSY';
}

function merge(periods: [number, number][]): [number, number][] {
  const sorted = [...periods].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else out.push([p[0], p[1]]);
  }
  return out;
}

/** The busy periods (ms, clipped to the range, merged per type) of the objects. */
export function busyPeriods(
  objects: string[],
  range: { start: Date; end: Date },
  options: FreeBusyOptions = {},
): BusyPeriods {
  const zone: IcalTimezone | null = timezoneFromText(options.timezone ?? null);
  const [rs, re] = [range.start.getTime(), range.end.getTime()];
  const out: BusyPeriods = { BUSY: [], 'BUSY-TENTATIVE': [], 'BUSY-UNAVAILABLE': [] };
  const add = (type: FreeBusyType, s: number, e: number) => {
    if (e > s && overlaps(rs, re, s, e)) out[type].push([Math.max(s, rs), Math.min(e, re)]);
  };
  for (const ics of objects) {
    let vcalendar: IcalComponent;
    try {
      vcalendar = parseVcalendar(ics);
    } catch {
      continue; // a stored object that no longer parses doesn't make the whole answer fail
    }
    const events = vcalendar.getAllSubcomponents('vevent');
    const master = events.find((c) => !c.hasProperty('recurrence-id')) ?? null;
    const overrides = events.filter((c) => c.hasProperty('recurrence-id'));
    const expansion = expandInstances(master, overrides, {
      untilMs: re,
      maxInstances: options.maxInstances,
      floatingZone: zone,
    });
    for (const instance of expansion.instances) {
      const type = eventType(instance.component);
      const interval = type && instanceInterval(instance, zone);
      if (type && interval) add(type, interval.startMs, interval.endMs);
    }
    for (const fb of vcalendar.getAllSubcomponents('vfreebusy')) {
      for (const p of fb.getAllProperties('freebusy')) {
        const type = String(p.getParameter('fbtype') ?? 'BUSY').toUpperCase() as FreeBusyType;
        if (!TYPES.includes(type)) continue;
        for (const period of p.getValues() as IcalPeriod[]) {
          add(type, epochMs(period.start, zone), epochMs(period.end ?? period.getEnd(), zone));
        }
      }
    }
  }
  for (const t of TYPES) out[t] = merge(out[t]);
  return out;
}

/** A VCALENDAR with one VFREEBUSY covering the range. */
export function freeBusy(
  objects: string[],
  range: { start: Date; end: Date },
  options: FreeBusyOptions = {},
): string {
  return formatFreeBusy(busyPeriods(objects, range, options), range, options);
}

/**
 * The VCALENDAR for busy periods gathered elsewhere (several calendars, each read in its own
 * calendar-timezone): periods are merged per type again.
 */
export function formatFreeBusy(
  found: BusyPeriods,
  range: { start: Date; end: Date },
  options: Omit<FreeBusyOptions, 'timezone' | 'maxInstances'> = {},
): string {
  const periods: BusyPeriods = { BUSY: [], 'BUSY-TENTATIVE': [], 'BUSY-UNAVAILABLE': [] };
  for (const t of TYPES) periods[t] = merge(found[t]);
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Nimbus Mail//CalDAV//EN'];
  if (options.method) lines.push(`METHOD:${options.method}`);
  lines.push('BEGIN:VFREEBUSY', `DTSTAMP:${formatUtc((options.now ?? new Date()).getTime())}`);
  lines.push(...(options.extraProperties ?? []));
  lines.push(`DTSTART:${formatUtc(range.start.getTime())}`, `DTEND:${formatUtc(range.end.getTime())}`);
  for (const type of TYPES) {
    for (const [s, e] of periods[type]) lines.push(`FREEBUSY;FBTYPE=${type}:${formatUtc(s)}/${formatUtc(e)}`);
  }
  lines.push('END:VFREEBUSY', 'END:VCALENDAR');
  // Fold through ical.js so that long ATTENDEE lines stay within 75 octets.
  return new ICAL.Component(ICAL.parse(lines.join('\r\n'))).toString() + '\r\n';
}
