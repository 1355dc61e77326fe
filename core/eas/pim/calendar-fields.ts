/**
 * The mappings between Calendar class values (MS-ASCAL §2.2.2) and iCalendar properties (RFC 5545)
 * that both directions of calendar-convert share: Sensitivity ↔ CLASS, BusyStatus ↔ TRANSP (and
 * Microsoft's X-MICROSOFT-CDO-BUSYSTATUS), AttendeeStatus ↔ PARTSTAT, AttendeeType ↔ ROLE/CUTYPE,
 * and how a zone is chosen for an event's times.
 */
import ICAL, { type IcalComponent, type IcalTime, type IcalTimezone } from '../../pim/ical/ical-lib';
import { epochMs, isFloating } from '../../pim/ical/time-values';

export const CAL = 4;
export const BASE = 17;

/** Sensitivity 0 normal, 1 personal, 2 private, 3 confidential. */
export const CLASS_OF_SENSITIVITY = ['PUBLIC', 'X-PERSONAL', 'PRIVATE', 'CONFIDENTIAL'];

export function sensitivityOf(c: IcalComponent): number | null {
  const v = c.getFirstPropertyValue('class');
  if (v === null || v === undefined) return null;
  const i = CLASS_OF_SENSITIVITY.indexOf(String(v).toUpperCase());
  return i < 0 ? 2 : i;
}

/** BusyStatus 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere. */
const CDO_BUSY = ['FREE', 'TENTATIVE', 'BUSY', 'OOF', 'WORKINGELSEWHERE'];

export function busyStatusOf(c: IcalComponent): number {
  const cdo = c.getFirstPropertyValue('x-microsoft-cdo-busystatus');
  if (cdo !== null && cdo !== undefined) {
    const i = CDO_BUSY.indexOf(String(cdo).toUpperCase());
    if (i >= 0) return i;
  }
  if (String(c.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') return 0;
  if (String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'TENTATIVE') return 1;
  return 2;
}

export function setBusyStatus(c: IcalComponent, status: number | null): void {
  c.removeAllProperties('transp');
  c.removeAllProperties('x-microsoft-cdo-busystatus');
  if (status === null) return;
  c.addPropertyWithValue('transp', status === 0 ? 'TRANSPARENT' : 'OPAQUE');
  // Free and busy are TRANSP alone; the others need Microsoft's property to come back unchanged.
  if (status === 1 || status === 3 || status === 4)
    c.addPropertyWithValue('x-microsoft-cdo-busystatus', CDO_BUSY[status]);
}

/** AttendeeStatus 0 unknown, 2 tentative, 3 accept, 4 decline, 5 not responded. */
const PARTSTAT: Record<string, number> = { TENTATIVE: 2, ACCEPTED: 3, DECLINED: 4, 'NEEDS-ACTION': 5 };
export const attendeeStatusOf = (partstat: string | null): number =>
  PARTSTAT[(partstat ?? '').toUpperCase()] ?? 0;
export const partstatOf = (status: number | null): string | null =>
  Object.entries(PARTSTAT).find(([, v]) => v === status)?.[0] ?? null;

/** AttendeeType 1 required, 2 optional, 3 resource. */
export function attendeeTypeOf(role: string | null, cutype: string | null): number {
  const cu = (cutype ?? '').toUpperCase();
  if (cu === 'RESOURCE' || cu === 'ROOM') return 3;
  return (role ?? '').toUpperCase() === 'OPT-PARTICIPANT' ? 2 : 1;
}

export const mailtoStrip = (value: unknown): string => String(value ?? '').replace(/^mailto:/i, '');

/** The zone an event's times are given in, and its VTIMEZONE (null: UTC). */
export interface EventZone {
  zone: IcalTimezone | null;
  vtimezone: IcalComponent | null;
}

/** The zone of DTSTART; floating and all-day times use the calendar's zone (else UTC). */
export function zoneOfStart(start: IcalTime | null, calendarZone: IcalTimezone | null): EventZone {
  if (start && !isFloating(start) && start.zone && start.zone.tzid !== 'UTC') {
    const component = (start.zone as IcalTimezone & { component?: IcalComponent }).component ?? null;
    if (component) return { zone: start.zone, vtimezone: component };
  }
  if (calendarZone) {
    const component = (calendarZone as IcalTimezone & { component?: IcalComponent }).component ?? null;
    return { zone: calendarZone, vtimezone: component };
  }
  return { zone: null, vtimezone: null };
}

/** Epoch ms of a time; floating times and dates are read in `zone` (UTC if null). */
export const instant = (t: IcalTime, zone: IcalTimezone | null): number => epochMs(t, zone);

/** A UTC instant as a time in `zone` (UTC when null). */
export function timeIn(ms: number, zone: IcalTimezone | null): IcalTime {
  const utc = ICAL.Time.fromJSDate(new Date(Math.floor(ms / 1000) * 1000), true);
  return zone ? utc.convertToZone(zone) : utc;
}

/** The end of a component: DTEND/DUE, else DTSTART + DURATION, else a day (dates) or DTSTART. */
export function endOf(c: IcalComponent, start: IcalTime): IcalTime {
  const end = c.getFirstPropertyValue(c.name === 'vtodo' ? 'due' : 'dtend') as IcalTime | null;
  if (end) return end;
  const duration = c.getFirstPropertyValue('duration') as InstanceType<typeof ICAL.Duration> | null;
  const out = start.clone();
  if (duration) out.addDuration(duration);
  else if (start.isDate) out.day += 1;
  return out;
}
