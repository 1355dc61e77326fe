/// <reference lib="dom" />
/**
 * The calendar screen: month, week and day views of the user's events (instances expanded by the
 * server, shown in the browser's time zone). A click on an empty day or hour opens the new-event
 * dialog there; a click on an event opens it for editing. The invitations list is beside it.
 */
import { $, h } from './dom';
import { eventDialog } from './calendar-dialog';
import {
  addDays,
  dayKey,
  fetchEvents,
  fromKey,
  onDay,
  span,
  timeKey,
  weekStart,
  type CalendarEvent,
} from './calendar-dates';
import { invitationsButton, refreshInvitations } from './calendar-invites';
import { pimView } from './contacts-shell';

type View = 'month' | 'week' | 'day';
const cal = { view: 'week' as View, anchor: new Date(), events: [] as CalendarEvent[] };
const HOUR_PX = 40;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function range(): { from: Date; to: Date; days: Date[] } {
  const a = cal.anchor;
  let from: Date;
  let count: number;
  if (cal.view === 'month') {
    from = weekStart(new Date(a.getFullYear(), a.getMonth(), 1));
    count = 42;
  } else if (cal.view === 'week') {
    from = weekStart(a);
    count = 7;
  } else {
    from = new Date(a.getFullYear(), a.getMonth(), a.getDate());
    count = 1;
  }
  const days = Array.from({ length: count }, (_, i) => addDays(from, i));
  return { from, to: addDays(from, count), days };
}

function title(): string {
  const a = cal.anchor;
  if (cal.view === 'month') return a.toLocaleDateString([], { month: 'long', year: 'numeric' });
  if (cal.view === 'day')
    return a.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const { days } = range();
  return `${days[0].toLocaleDateString([], { day: 'numeric', month: 'short' })} – ${days[6].toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

function move(step: number): void {
  const a = cal.anchor;
  cal.anchor =
    cal.view === 'month'
      ? new Date(a.getFullYear(), a.getMonth() + step, 1)
      : addDays(a, step * (cal.view === 'week' ? 7 : 1));
  void refreshCalendar();
}

function setView(view: View): void {
  cal.view = view;
  void refreshCalendar();
}

export async function showCalendar(): Promise<void> {
  const tool = (id: string, label: string, onclick: () => void, extra: Record<string, unknown> = {}) =>
    h('button', { id, type: 'button', onclick, ...extra }, label);
  const view = h(
    'section',
    { class: 'pim-view calendar', id: 'calendar', 'aria-label': 'Calendar' },
    h(
      'div',
      { class: 'toolbar' },
      tool('new-event', 'New event', () => openNew(new Date(), false), { class: 'primary' }),
      tool('cal-today', 'Today', () => {
        cal.anchor = new Date();
        void refreshCalendar();
      }),
      tool('cal-prev', '‹', () => move(-1), { 'aria-label': 'Previous' }),
      tool('cal-next', '›', () => move(1), { 'aria-label': 'Next' }),
      h('h2', { id: 'cal-title', 'aria-live': 'polite' }),
      h(
        'div',
        { class: 'views', role: 'group', 'aria-label': 'View' },
        tool('view-month', 'Month', () => setView('month')),
        tool('view-week', 'Week', () => setView('week')),
        tool('view-day', 'Day', () => setView('day')),
      ),
      invitationsButton(() => void refreshCalendar()),
    ),
    h('p', { class: 'error', id: 'cal-error', role: 'alert' }),
    h('div', { id: 'cal-grid' }),
  );
  pimView(view);
  await refreshCalendar();
}

export async function refreshCalendar(): Promise<void> {
  const grid = $('#cal-grid');
  if (!grid) return;
  const { from, to, days } = range();
  try {
    cal.events = await fetchEvents(from, to);
    $('#cal-error').textContent = '';
  } catch (error) {
    $('#cal-error').textContent = (error as Error).message;
    cal.events = [];
  }
  $('#cal-title').textContent = title();
  for (const v of ['month', 'week', 'day'])
    $(`#view-${v}`).setAttribute('aria-pressed', String(v === cal.view));
  grid.className = `grid-${cal.view}`;
  grid.replaceChildren(...(cal.view === 'month' ? monthView(days) : timeView(days)));
  void refreshInvitations();
}

function chip(e: CalendarEvent, withTime: boolean): HTMLElement {
  const label = `${withTime && !e.allDay ? timeKey(new Date(e.start)) + ' ' : ''}${e.title || '(no title)'}`;
  return h(
    'button',
    {
      type: 'button',
      class: `event ${e.allDay ? 'all-day' : ''} ${e.status === 'CANCELLED' ? 'cancelled' : ''} ${e.myPartstat === 'NEEDS-ACTION' ? 'tentative' : ''}`,
      'data-id': e.id,
      'data-recurrence': e.recurrenceId ?? '',
      title: e.location ? `${e.title} — ${e.location}` : e.title,
      onclick: (ev: Event) => {
        ev.stopPropagation();
        eventDialog(e, null, () => void refreshCalendar());
      },
    },
    label,
  );
}

function openNew(at: Date, allDay: boolean): void {
  eventDialog(null, { start: at, allDay }, () => void refreshCalendar());
}

function monthView(days: Date[]): HTMLElement[] {
  const month = cal.anchor.getMonth();
  const today = dayKey(new Date());
  const head = WEEKDAYS.map((d) => h('div', { class: 'weekday', role: 'columnheader' }, d));
  const cells = days.map((day) => {
    const key = dayKey(day);
    const events = cal.events.filter((e) => onDay(e, day));
    return h(
      'div',
      {
        class: `day ${day.getMonth() === month ? '' : 'other-month'} ${key === today ? 'today' : ''}`,
        'data-date': key,
        role: 'gridcell',
        onclick: () => {
          const at = fromKey(key);
          at.setHours(9);
          openNew(at, false);
        },
      },
      h('span', { class: 'date' }, String(day.getDate())),
      ...events.map((e) => chip(e, true)),
    );
  });
  return [...head, ...cells];
}

function timeView(days: Date[]): HTMLElement[] {
  const today = dayKey(new Date());
  const hours = h(
    'div',
    { class: 'hours', 'aria-hidden': 'true' },
    h('div', { class: 'all-day-row' }),
    ...Array.from({ length: 24 }, (_, i) => h('div', { class: 'hour' }, `${String(i).padStart(2, '0')}:00`)),
  );
  const columns = days.map((day) => {
    const key = dayKey(day);
    const mine = cal.events.filter((e) => onDay(e, day));
    const slots = Array.from({ length: 24 }, (_, hour) =>
      h('div', {
        class: 'slot',
        'data-date': key,
        'data-hour': hour,
        role: 'button',
        tabindex: -1,
        'aria-label': `New event ${key} ${hour}:00`,
        onclick: () => {
          const at = fromKey(key);
          at.setHours(hour);
          openNew(at, false);
        },
      }),
    );
    const body = h('div', { class: 'day-body' }, ...slots);
    for (const e of mine.filter((x) => !x.allDay)) {
      const { start, end } = span(e);
      const dayEnd = addDays(day, 1);
      const from = start < day ? day : start;
      const to = end > dayEnd ? dayEnd : end;
      const minutes = (from.getTime() - day.getTime()) / 60_000;
      const length = Math.max(20, (to.getTime() - from.getTime()) / 60_000);
      const block = chip(e, true);
      // CSSOM, not a style attribute: allowed by the app's CSP (style-src 'self').
      block.style.top = `${(minutes / 60) * HOUR_PX}px`;
      block.style.height = `${(length / 60) * HOUR_PX - 2}px`;
      body.append(block);
    }
    return h(
      'div',
      { class: `day-column ${key === today ? 'today' : ''}`, 'data-date': key },
      h(
        'div',
        { class: 'day-head' },
        day.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' }),
      ),
      h(
        'div',
        {
          class: 'all-day-row',
          onclick: () => openNew(fromKey(key), true),
        },
        ...mine.filter((x) => x.allDay).map((e) => chip(e, false)),
      ),
      body,
    );
  });
  return [hours, ...columns];
}
