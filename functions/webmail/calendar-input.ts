/**
 * The event the webmail's dialog sends, parsed and bounded (parsing apart from handling): title,
 * start and end (instants for timed events, dates for all-day ones, end exclusive), location,
 * description, attendees and a simple daily/weekly recurrence.
 */
import { fail, isAddress, list, text } from './pim-session';

export interface Recurrence {
  freq: 'DAILY' | 'WEEKLY';
  /** At most one of count and until ("YYYY-MM-DD", inclusive). */
  count: number | null;
  until: string | null;
}

export interface EventInput {
  title: string;
  allDay: boolean;
  /** Timed: epoch ms. All-day: "YYYY-MM-DD". */
  start: number | string;
  end: number | string;
  location: string;
  description: string;
  attendees: string[];
  recurrence: Recurrence | null;
  /** The browser's IANA zone: a repeating timed event is written in it (wall clock across DST). */
  timeZone: string | null;
}

export const EVENT_LIMITS = { title: 500, location: 500, description: 10_000, attendees: 100 };
const MAX_SPAN_MS = 366 * 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

export function parseInstant(value: unknown, name: string): number {
  if (typeof value !== 'string' || value.length > 40) return fail(400, `${name} must be an ISO date-time`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    return fail(400, `${name} must be an ISO date-time`);
  const year = new Date(ms).getUTCFullYear();
  if (year < 1900 || year > 2200) return fail(400, `${name} is out of range`);
  return ms;
}

export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function parseRecurrence(value: unknown): Recurrence | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return fail(400, 'recurrence must be an object');
  const r = value as Record<string, unknown>;
  if (r.freq !== 'DAILY' && r.freq !== 'WEEKLY') return fail(400, 'recurrence.freq must be DAILY or WEEKLY');
  let count: number | null = null;
  let until: string | null = null;
  if (r.count !== undefined && r.count !== null) {
    if (!Number.isInteger(r.count) || (r.count as number) < 1 || (r.count as number) > 1000)
      return fail(400, 'recurrence.count must be 1 to 1000');
    count = r.count as number;
  }
  if (r.until !== undefined && r.until !== null && r.until !== '') {
    if (typeof r.until !== 'string' || !isDate(r.until))
      return fail(400, 'recurrence.until must be YYYY-MM-DD');
    until = r.until;
  }
  if (count !== null && until !== null)
    return fail(400, 'give recurrence.count or recurrence.until, not both');
  return { freq: r.freq, count, until };
}

export function parseEventInput(body: Record<string, unknown>): EventInput {
  const title = text(body.title, 'title', EVENT_LIMITS.title).trim();
  if (!title) fail(400, 'an event needs a title');
  if (body.allDay !== undefined && typeof body.allDay !== 'boolean')
    fail(400, 'allDay must be true or false');
  const allDay = body.allDay === true;
  let start: number | string;
  let end: number | string;
  if (allDay) {
    if (typeof body.start !== 'string' || !isDate(body.start)) return fail(400, 'start must be YYYY-MM-DD');
    start = body.start;
    end = typeof body.end === 'string' && body.end !== '' ? body.end : addDays(body.start, 1);
    if (!isDate(end)) return fail(400, 'end must be YYYY-MM-DD');
    if (end <= start) end = addDays(start, 1);
    if (Date.parse(end) - Date.parse(start) > MAX_SPAN_MS) fail(400, 'an event lasts at most a year');
  } else {
    start = parseInstant(body.start, 'start');
    end = parseInstant(body.end, 'end');
    if (end <= start) fail(400, 'the end must be after the start');
    if (end - start > MAX_SPAN_MS) fail(400, 'an event lasts at most a year');
  }
  const attendees = [
    ...new Set(list(body.attendees, 'attendees', EVENT_LIMITS.attendees, 254).map((a) => a.toLowerCase())),
  ];
  const bad = attendees.find((a) => !isAddress(a));
  if (bad !== undefined) fail(400, `"${bad.slice(0, 60)}" is not an email address`);
  return {
    title,
    allDay,
    start,
    end,
    location: text(body.location, 'location', EVENT_LIMITS.location),
    description: text(body.description, 'description', EVENT_LIMITS.description),
    attendees,
    recurrence: parseRecurrence(body.recurrence),
    timeZone: parseZone(body.timeZone),
  };
}

function parseZone(value: unknown): string | null {
  if (value === undefined || value === null || value === '' || value === 'UTC') return null;
  if (typeof value !== 'string' || value.length > 64) return fail(400, 'timeZone must be an IANA zone name');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    return fail(400, `unknown time zone "${value.slice(0, 64)}"`);
  }
  return value;
}

/** An invitation answer: accept / tentative / decline → PARTSTAT. */
export function parseResponse(value: unknown): 'ACCEPTED' | 'TENTATIVE' | 'DECLINED' {
  const answers = { accept: 'ACCEPTED', tentative: 'TENTATIVE', decline: 'DECLINED' } as const;
  if (typeof value !== 'string' || !(value in answers))
    return fail(400, 'response must be accept, tentative or decline');
  return answers[value as keyof typeof answers];
}
