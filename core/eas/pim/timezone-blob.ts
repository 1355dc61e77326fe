/**
 * calendar:TimeZone (MS-ASCAL §2.2.2.39): a base64 TIME_ZONE_INFORMATION structure, 172 bytes
 * little-endian — Bias (int32, minutes, UTC = local + Bias), StandardName (32 UTF-16 units),
 * StandardDate (SYSTEMTIME), StandardBias, DaylightName, DaylightDate, DaylightBias. A yearly
 * rule's SYSTEMTIME has wYear 0, wDay the week of the month (5 = last) and wDayOfWeek 0 = Sunday.
 * Encoded from an iCalendar VTIMEZONE's current STANDARD/DAYLIGHT rules, decoded to a VTIMEZONE.
 */
import ICAL, { type IcalComponent } from '../../pim/ical/ical-lib';

export interface TransitionRule {
  month: number;
  /** 1–4, 5 = last. */
  week: number;
  /** 0 = Sunday. */
  dayOfWeek: number;
  hour: number;
  minute: number;
}

export interface TimeZoneInfo {
  /** Minutes: UTC = local + bias (so UTC+1 is −60). */
  bias: number;
  standardName: string;
  standardBias: number;
  standard: TransitionRule | null;
  daylightName: string;
  daylightBias: number;
  daylight: TransitionRule | null;
}

export const UTC_INFO: TimeZoneInfo = {
  bias: 0,
  standardName: '',
  standardBias: 0,
  standard: null,
  daylightName: '',
  daylightBias: 0,
  daylight: null,
};

const SIZE = 172;

function writeName(buf: Buffer, offset: number, name: string): void {
  const units = name.slice(0, 31);
  for (let i = 0; i < units.length; i++) buf.writeUInt16LE(units.charCodeAt(i), offset + 2 * i);
}

function readName(buf: Buffer, offset: number): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    const c = buf.readUInt16LE(offset + 2 * i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function writeRule(buf: Buffer, offset: number, rule: TransitionRule | null): void {
  if (!rule) return;
  buf.writeUInt16LE(0, offset);
  buf.writeUInt16LE(rule.month, offset + 2);
  buf.writeUInt16LE(rule.dayOfWeek, offset + 4);
  buf.writeUInt16LE(rule.week, offset + 6);
  buf.writeUInt16LE(rule.hour, offset + 8);
  buf.writeUInt16LE(rule.minute, offset + 10);
}

function readRule(buf: Buffer, offset: number): TransitionRule | null {
  const month = buf.readUInt16LE(offset + 2);
  if (month < 1 || month > 12) return null;
  const dayOfWeek = buf.readUInt16LE(offset + 4);
  const week = buf.readUInt16LE(offset + 6);
  const hour = buf.readUInt16LE(offset + 8);
  const minute = buf.readUInt16LE(offset + 10);
  if (dayOfWeek > 6 || week < 1 || week > 5 || hour > 23 || minute > 59) return null;
  return { month, week, dayOfWeek, hour, minute };
}

export function encodeTimeZone(info: TimeZoneInfo): string {
  const buf = Buffer.alloc(SIZE);
  buf.writeInt32LE(info.bias, 0);
  writeName(buf, 4, info.standardName);
  writeRule(buf, 68, info.standard && info.daylight ? info.standard : null);
  buf.writeInt32LE(info.standardBias, 84);
  writeName(buf, 88, info.daylightName);
  writeRule(buf, 152, info.standard && info.daylight ? info.daylight : null);
  buf.writeInt32LE(info.standard && info.daylight ? info.daylightBias : 0, 168);
  return buf.toString('base64');
}

/** Decodes a device's TimeZone; null when it is not a TIME_ZONE_INFORMATION. */
export function decodeTimeZone(base64: string): TimeZoneInfo | null {
  const buf = Buffer.from(base64.trim(), 'base64');
  if (buf.length !== SIZE) return null;
  const info: TimeZoneInfo = {
    bias: buf.readInt32LE(0),
    standardName: readName(buf, 4),
    standard: readRule(buf, 68),
    standardBias: buf.readInt32LE(84),
    daylightName: readName(buf, 88),
    daylight: readRule(buf, 152),
    daylightBias: buf.readInt32LE(168),
  };
  const sane = (m: number) => Math.abs(m) <= 16 * 60;
  if (!sane(info.bias) || !sane(info.standardBias) || !sane(info.daylightBias)) return null;
  if (!info.standard || !info.daylight) {
    info.standard = null;
    info.daylight = null;
    info.daylightBias = 0;
  }
  return info;
}

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

function offsetText(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const a = Math.abs(minutesEast);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}

/** A TZID for a zone a device described only by its rules. */
function syntheticTzid(info: TimeZoneInfo): string {
  const std = `UTC${offsetText(-(info.bias + info.standardBias))}`;
  if (!info.standard || !info.daylight) return std;
  const r = (t: TransitionRule) => `${t.month}.${t.week}.${t.dayOfWeek}.${t.hour}`;
  return `${std} DST${offsetText(-(info.bias + info.daylightBias))} ${r(info.daylight)}-${r(info.standard)}`;
}

function ruleComponent(
  kind: 'standard' | 'daylight',
  rule: TransitionRule | null,
  from: number,
  to: number,
  name: string,
): string[] {
  const lines = [`BEGIN:${kind.toUpperCase()}`];
  if (rule) {
    const hh = String(rule.hour).padStart(2, '0');
    const mm = String(rule.minute).padStart(2, '0');
    lines.push(`DTSTART:16010101T${hh}${mm}00`);
    const week = rule.week === 5 ? -1 : rule.week;
    lines.push(`RRULE:FREQ=YEARLY;BYMONTH=${rule.month};BYDAY=${week}${DAYS[rule.dayOfWeek]}`);
  } else lines.push('DTSTART:16010101T000000');
  lines.push(`TZOFFSETFROM:${offsetText(from)}`, `TZOFFSETTO:${offsetText(to)}`);
  if (name) lines.push(`TZNAME:${name.replace(/[\r\n;,\\]/g, ' ')}`);
  lines.push(`END:${kind.toUpperCase()}`);
  return lines;
}

/** The VTIMEZONE (as a component) for a device's TimeZone, with `tzid` or a synthetic one. */
export function vtimezoneFor(info: TimeZoneInfo, tzid?: string): IcalComponent {
  const standard = -(info.bias + info.standardBias);
  const daylight = -(info.bias + info.daylightBias);
  const id = (tzid ?? (info.standardName.trim() || syntheticTzid(info))).replace(/[\r\n]/g, ' ');
  const dst = info.standard && info.daylight;
  const lines = ['BEGIN:VTIMEZONE', `TZID:${id}`];
  lines.push(
    ...ruleComponent('standard', dst ? info.standard : null, dst ? daylight : standard, standard, ''),
  );
  if (dst) lines.push(...ruleComponent('daylight', info.daylight, standard, daylight, ''));
  lines.push('END:VTIMEZONE');
  return new ICAL.Component(ICAL.parse(lines.join('\r\n')) as unknown[]);
}

type Recur = InstanceType<typeof ICAL.Recur>;

/** The rule of a STANDARD/DAYLIGHT sub-component as a SYSTEMTIME rule, if it is a yearly nth-day rule. */
function transitionOf(c: IcalComponent): TransitionRule | null {
  const rrule = c.getFirstPropertyValue('rrule') as Recur | null;
  const start = c.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time> | null;
  if (!rrule || !start || rrule.freq !== 'YEARLY') return null;
  const parts = rrule.parts as Record<string, (string | number)[] | undefined>;
  const month = Number(parts.BYMONTH?.[0] ?? start.month);
  const byday = String(parts.BYDAY?.[0] ?? '');
  const m = /^([+-]?\d)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(byday);
  let week: number;
  let day: number;
  if (m) {
    const n = Number(m[1] ?? 1);
    week = n < 0 ? 5 : Math.min(n, 5);
    day = DAYS.indexOf(m[2]);
  } else if (parts.BYMONTHDAY?.length === 1 && parts.BYDAY?.length) {
    // "Sunday on or after the 8th" (BYMONTHDAY=8..14;BYDAY=SU): the 2nd Sunday.
    week = Math.min(5, Math.ceil(Number(parts.BYMONTHDAY[0]) / 7));
    day = DAYS.indexOf(byday.slice(-2));
  } else return null;
  if (day < 0 || month < 1 || month > 12) return null;
  return { month, week, dayOfWeek: day, hour: start.hour, minute: start.minute };
}

function offsetMinutes(c: IcalComponent, name: string): number {
  const v = c.getFirstPropertyValue(name) as { toSeconds(): number } | null;
  return v ? Math.round(v.toSeconds() / 60) : 0;
}

/** The latest sub-component of a kind (zones carry their history; devices want today's rule). */
function latest(vtimezone: IcalComponent, kind: string): IcalComponent | null {
  let best: IcalComponent | null = null;
  let bestStart = -Infinity;
  for (const c of vtimezone.getAllSubcomponents(kind)) {
    const start = c.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time> | null;
    const t = start ? start.year * 10000 + start.month * 100 + start.day : -1;
    const rank = c.hasProperty('rrule') ? t + 1e9 : t;
    if (rank >= bestStart) {
      best = c;
      bestStart = rank;
    }
  }
  return best;
}

/** A VTIMEZONE's current rules as TIME_ZONE_INFORMATION (fixed offset when it has no yearly DST rule). */
export function infoFromVtimezone(vtimezone: IcalComponent): TimeZoneInfo {
  const tzid = String(vtimezone.getFirstPropertyValue('tzid') ?? '');
  const std = latest(vtimezone, 'standard');
  const dst = latest(vtimezone, 'daylight');
  const stdOffset = std ? offsetMinutes(std, 'tzoffsetto') : dst ? offsetMinutes(dst, 'tzoffsetfrom') : 0;
  const standard = std ? transitionOf(std) : null;
  const daylight = dst ? transitionOf(dst) : null;
  const name = tzid.slice(0, 31);
  if (!standard || !daylight || !dst)
    return { ...UTC_INFO, bias: -stdOffset, standardName: name, daylightName: name };
  return {
    bias: -stdOffset,
    standardName: name,
    standardBias: 0,
    standard,
    daylightName: name,
    daylightBias: -(offsetMinutes(dst, 'tzoffsetto') - stdOffset),
    daylight,
  };
}

/** Same offsets and rules (names aside): a stored VTIMEZONE still describes what the device sent. */
export function sameRules(a: TimeZoneInfo, b: TimeZoneInfo): boolean {
  const rule = (x: TransitionRule | null, y: TransitionRule | null) =>
    JSON.stringify(x) === JSON.stringify(y);
  return (
    a.bias + a.standardBias === b.bias + b.standardBias &&
    (a.daylight ? a.bias + a.daylightBias : 0) === (b.daylight ? b.bias + b.daylightBias : 0) &&
    rule(a.standard, b.standard) &&
    rule(a.daylight, b.daylight)
  );
}
