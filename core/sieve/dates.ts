/**
 * Date arithmetic for RFC 5260: parsing RFC 5322 date-times (obsolete zone names included),
 * zone offsets ("+0100", "UTC", IANA names), and the date parts of §4.2.
 */

export interface ZonedTime {
  utcMs: number;
  /** Offset from UTC in minutes. */
  offset: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const NAMED_ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

export const DATE_PARTS = [
  'year',
  'month',
  'day',
  'date',
  'julian',
  'hour',
  'minute',
  'second',
  'time',
  'iso8601',
  'std11',
  'zone',
  'weekday',
] as const;

/** "+0100" / "-0530" in minutes, or null. */
export function parseOffset(zone: string): number | null {
  const m = /^([+-])([0-9]{2})([0-9]{2})$/.exec(zone.trim());
  if (!m || Number(m[3]) > 59) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** Offset of a configured zone at an instant: numeric, a UTC name, or an IANA zone. */
export function zoneOffset(zone: string | undefined, utcMs: number): number {
  if (!zone) return 0;
  const numeric = parseOffset(zone);
  if (numeric !== null) return numeric;
  const named = NAMED_ZONES[zone.toLowerCase()];
  if (named !== undefined) return named;
  try {
    const text = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(utcMs))
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(text ?? '');
    if (!m) return 0;
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    return m[1] === '-' ? -minutes : minutes;
  } catch {
    return 0;
  }
}

/** RFC 5322 §3.3 date-time (with §4.3 obsolete forms); null when it does not parse. */
export function parseDateTime(text: string): ZonedTime | null {
  const cleaned = text.replace(/\([^)]*\)/g, ' ').trim();
  const m =
    /^(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})?/.exec(
      cleaned,
    );
  if (!m) return null;
  const month = MONTHS.indexOf(m[2].toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const [day, hour, minute, second] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const zone = m[7] ?? '-0000';
  const offset = parseOffset(zone) ?? NAMED_ZONES[zone.toLowerCase()] ?? 0;
  const utcMs = Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offset * 60_000;
  return Number.isFinite(utcMs) ? { utcMs, offset } : null;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatOffset(offset: number, colon: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/** RFC 5260 §4.2 date part of a time in its own offset. */
export function datePart(time: ZonedTime, part: string): string | null {
  const local = new Date(time.utcMs + time.offset * 60_000);
  const y = pad(local.getUTCFullYear(), 4);
  const mo = pad(local.getUTCMonth() + 1);
  const d = pad(local.getUTCDate());
  const h = pad(local.getUTCHours());
  const mi = pad(local.getUTCMinutes());
  const s = pad(local.getUTCSeconds());
  switch (part.toLowerCase()) {
    case 'year':
      return y;
    case 'month':
      return mo;
    case 'day':
      return d;
    case 'date':
      return `${y}-${mo}-${d}`;
    case 'julian':
      // Modified Julian Day: 1970-01-01 is day 40587.
      return String(Math.floor(local.getTime() / 86_400_000) + 40587);
    case 'hour':
      return h;
    case 'minute':
      return mi;
    case 'second':
      return s;
    case 'time':
      return `${h}:${mi}:${s}`;
    case 'iso8601':
      return `${y}-${mo}-${d}T${h}:${mi}:${s}${formatOffset(time.offset, true)}`;
    case 'std11':
      return `${DAYS[local.getUTCDay()]}, ${d} ${MONTHS[local.getUTCMonth()].replace(/^./, (c) => c.toUpperCase())} ${y} ${h}:${mi}:${s} ${formatOffset(time.offset, false)}`;
    case 'zone':
      return formatOffset(time.offset, false);
    case 'weekday':
      return String(local.getUTCDay());
    default:
      return null;
  }
}
