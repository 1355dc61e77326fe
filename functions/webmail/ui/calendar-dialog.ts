/// <reference lib="dom" />
/**
 * The event dialog: create, edit and delete (title, start, end, all-day, location, description,
 * attendees, a daily or weekly repetition). For an instance of a series it asks whether the
 * change is for this occurrence or for all of them.
 */
import { api } from './client';
import { $, h, type Obj } from './dom';
import { dayKey, eventPath, fromKey, span, timeKey, zone, type CalendarEvent } from './calendar-dates';
import { attachCompletion } from './contacts-complete';

const field = (id: string, label: string, input: HTMLElement) =>
  h('div', { class: 'field' }, h('label', { for: id }, label), input);
const value = (id: string) => $<HTMLInputElement>(`#${id}`).value;

/** The times the form holds, as the API takes them. */
function times(): { start: string; end: string; allDay: boolean } {
  const allDay = $<HTMLInputElement>('#event-allday').checked;
  if (allDay) {
    const end = fromKey(value('event-end-date') || value('event-start-date'));
    end.setDate(end.getDate() + 1); // the form's end day is inclusive, iCalendar's exclusive
    return { allDay, start: value('event-start-date'), end: dayKey(end) };
  }
  const at = (d: string, t: string) => new Date(`${d}T${t || '00:00'}`);
  const start = at(value('event-start-date'), value('event-start-time'));
  const end = at(value('event-end-date') || value('event-start-date'), value('event-end-time'));
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw new Error('Give a start and an end.');
  return { allDay, start: start.toISOString(), end: end.toISOString() };
}

/** A whole-series edit moves the series by what the shown instance moved. */
function seriesTimes(e: CalendarEvent, t: { start: string; end: string; allDay: boolean }) {
  if (!e.series || t.allDay !== e.allDay) return t;
  const shown = span(e);
  const now = t.allDay
    ? { start: fromKey(t.start), end: fromKey(t.end) }
    : { start: new Date(t.start), end: new Date(t.end) };
  const first = span({ ...e, start: e.series.start, end: e.series.end });
  const start = new Date(first.start.getTime() + (now.start.getTime() - shown.start.getTime()));
  const end = new Date(first.end.getTime() + (now.end.getTime() - shown.end.getTime()));
  return t.allDay
    ? { allDay: true, start: dayKey(start), end: dayKey(end) }
    : { allDay: false, start: start.toISOString(), end: end.toISOString() };
}

function payload(e: CalendarEvent | null, scope: string): Obj {
  let t = times();
  const freq = value('event-repeat');
  const count = Number(value('event-repeat-count'));
  const body: Obj = {
    timeZone: zone(),
    title: value('event-title'),
    location: value('event-location'),
    description: $<HTMLTextAreaElement>('#event-description').value,
    attendees: value('event-attendees')
      .split(/[,;]/)
      .map((s) => (/<([^>]+)>/.exec(s)?.[1] ?? s).trim())
      .filter(Boolean),
  };
  if (e?.recurrenceId && scope === 'one') body.recurrenceId = e.recurrenceId;
  else {
    if (e?.recurrenceId) t = seriesTimes(e, t);
    body.recurrence = freq ? { freq, count: count > 0 ? count : null } : null;
  }
  return { ...body, ...t };
}

function close(dialog: HTMLElement): void {
  (dialog as HTMLDialogElement).close();
  dialog.remove();
}

export function eventDialog(
  e: CalendarEvent | null,
  fresh: { start: Date; allDay: boolean } | null,
  done: () => void,
): void {
  const start = e ? span(e).start : fresh!.start;
  let end = e ? span(e).end : new Date(start.getTime() + 3600_000);
  const allDay = e ? e.allDay : fresh!.allDay;
  if (allDay && e) end = new Date(end.getFullYear(), end.getMonth(), end.getDate() - 1);
  if (allDay && !e) end = start;
  const invited = Boolean(e?.myPartstat);
  const input = (id: string, type: string, v: string, extra: Obj = {}) =>
    h('input', { id, type, value: v, ...extra });
  const repeat = h(
    'select',
    { id: 'event-repeat' },
    h('option', { value: '' }, 'Does not repeat'),
    h('option', { value: 'DAILY' }, 'Every day'),
    h('option', { value: 'WEEKLY' }, 'Every week'),
  ) as HTMLSelectElement;
  repeat.value = e?.recurrence?.freq ?? '';
  const scope = h(
    'select',
    { id: 'event-scope' },
    h('option', { value: 'one' }, 'This occurrence'),
    h('option', { value: 'all' }, 'All occurrences'),
  ) as HTMLSelectElement;
  const dialog = h(
    'dialog',
    { id: 'event-dialog', 'aria-label': e ? 'Edit event' : 'New event' },
    h(
      'form',
      { method: 'dialog', onsubmit: (ev: Event) => ev.preventDefault() },
      h('h2', {}, e ? 'Edit event' : 'New event'),
      invited
        ? h('p', { class: 'notice' }, `Invitation from ${e!.organizer}: answer it in Invitations.`)
        : null,
      field('event-title', 'Title', input('event-title', 'text', e?.title ?? '', { required: true })),
      h('label', { class: 'check' }, input('event-allday', 'checkbox', '', { checked: allDay }), ' All day'),
      h(
        'div',
        { class: 'row' },
        field('event-start-date', 'Starts', input('event-start-date', 'date', dayKey(start))),
        field('event-start-time', 'at', input('event-start-time', 'time', timeKey(start))),
        field('event-end-date', 'Ends', input('event-end-date', 'date', dayKey(end))),
        field('event-end-time', 'at', input('event-end-time', 'time', timeKey(end))),
      ),
      field('event-location', 'Location', input('event-location', 'text', e?.location ?? '')),
      field(
        'event-description',
        'Description',
        h('textarea', { id: 'event-description' }, e?.description ?? ''),
      ),
      field(
        'event-attendees',
        'Attendees (addresses, separated by commas)',
        input('event-attendees', 'text', e?.attendees.map((a) => a.address).join(', ') ?? '', {
          autocomplete: 'off',
        }),
      ),
      h(
        'div',
        { class: 'row' },
        field('event-repeat', 'Repeats', repeat),
        field(
          'event-repeat-count',
          'times (empty: no end)',
          input('event-repeat-count', 'number', e?.recurrence?.count ? String(e.recurrence.count) : '', {
            min: 1,
            max: 1000,
          }),
        ),
      ),
      e?.recurrenceId ? field('event-scope', 'Change', scope) : null,
      h('p', { class: 'error', id: 'event-error', role: 'alert' }),
      h(
        'div',
        { class: 'buttons' },
        e
          ? h(
              'button',
              {
                type: 'button',
                id: 'event-delete',
                onclick: () => void remove(dialog, e, scope.value, done),
              },
              'Delete',
            )
          : null,
        h('button', { type: 'button', id: 'event-cancel', onclick: () => close(dialog) }, 'Cancel'),
        invited
          ? null
          : h(
              'button',
              {
                type: 'button',
                id: 'event-save',
                class: 'primary',
                onclick: () => void save(dialog, e, scope.value, done),
              },
              'Save',
            ),
      ),
    ),
  );
  document.body.append(dialog);
  attachCompletion($<HTMLInputElement>('#event-attendees'));
  (dialog as HTMLDialogElement).showModal();
  $('#event-title').focus();
}

async function save(dialog: HTMLElement, e: CalendarEvent | null, scope: string, done: () => void) {
  try {
    const body = JSON.stringify(payload(e, scope));
    if (e) await api(eventPath(e), { method: 'PUT', body, headers: { 'if-match': e.etag } });
    else await api('/webmail/api/calendar/events', { method: 'POST', body });
    close(dialog);
    done();
  } catch (error) {
    $('#event-error').textContent = (error as Error).message;
  }
}

async function remove(dialog: HTMLElement, e: CalendarEvent, scope: string, done: () => void) {
  try {
    const one =
      e.recurrenceId && scope === 'one' ? `?recurrenceId=${encodeURIComponent(e.recurrenceId)}` : '';
    await api(eventPath(e) + one, { method: 'DELETE', headers: { 'if-match': e.etag } });
    close(dialog);
    done();
  } catch (error) {
    $('#event-error').textContent = (error as Error).message;
  }
}
