/// <reference lib="dom" />
/** Local-date helpers for the calendar views: days as "YYYY-MM-DD" in the browser's time zone. */
import { api } from './client';
import type { Obj } from './dom';

export const pad = (n: number) => String(n).padStart(2, '0');
export const dayKey = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const timeKey = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
/** Midnight (local) of a "YYYY-MM-DD" day. */
export const fromKey = (key: string) => {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(y, m - 1, d);
};
export const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
/** Monday of the week of `d`. */
export const weekStart = (d: Date) => addDays(d, -((d.getDay() + 6) % 7));
export const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export interface CalendarEvent {
  id: string;
  calendar: string;
  etag: string;
  recurrenceId: string | null;
  title: string;
  allDay: boolean;
  start: string;
  end: string;
  location: string;
  description: string;
  status: string;
  organizer: string | null;
  attendees: { address: string; partstat: string }[];
  myPartstat: string | null;
  recurrence: { freq: 'DAILY' | 'WEEKLY'; count: number | null; until: string | null } | null;
  series: { start: string; end: string } | null;
}

/** The local interval an event covers (all-day dates at local midnight, end exclusive). */
export function span(e: CalendarEvent): { start: Date; end: Date } {
  return e.allDay
    ? { start: fromKey(e.start), end: fromKey(e.end) }
    : { start: new Date(e.start), end: new Date(e.end) };
}

/** Whether the event touches the local day starting at `day`. */
export function onDay(e: CalendarEvent, day: Date): boolean {
  const { start, end } = span(e);
  const next = addDays(day, 1);
  return start < next && (end > day || (end.getTime() === start.getTime() && start >= day));
}

export async function fetchEvents(from: Date, to: Date): Promise<CalendarEvent[]> {
  const q = new URLSearchParams({ start: from.toISOString(), end: to.toISOString(), tz: zone() });
  const r: Obj = await api(`/webmail/api/calendar/events?${q}`);
  return r.events as CalendarEvent[];
}

export const eventPath = (e: Pick<CalendarEvent, 'id'>) =>
  '/webmail/api/calendar/events/' + e.id.split('/').map(encodeURIComponent).join('/');
