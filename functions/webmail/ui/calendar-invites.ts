/// <reference lib="dom" />
/**
 * Invitations waiting for an answer (events where the user is an ATTENDEE with NEEDS-ACTION):
 * a button with their count, and a dialog with Accept / Tentative / Decline for each. The server
 * sets the PARTSTAT in the user's copy and sends the iTIP REPLY to the organizer.
 */
import { api } from './client';
import { $, h, type Obj } from './dom';
import { span, type CalendarEvent } from './calendar-dates';

const path = (e: CalendarEvent) =>
  '/webmail/api/calendar/invitations/' + e.id.split('/').map(encodeURIComponent).join('/');

let changed: () => void = () => undefined;

export function invitationsButton(onChange: () => void): HTMLElement {
  changed = onChange;
  return h(
    'button',
    { id: 'show-invitations', type: 'button', onclick: () => void showInvitations() },
    'Invitations ',
    h('span', { class: 'count', id: 'invitation-count' }, ''),
  );
}

async function load(): Promise<CalendarEvent[]> {
  const r: Obj = await api('/webmail/api/calendar/invitations');
  return r.invitations as CalendarEvent[];
}

export async function refreshInvitations(): Promise<void> {
  const count = $('#invitation-count');
  if (!count) return;
  const list = await load().catch(() => []);
  count.textContent = list.length ? `(${list.length})` : '';
}

const when = (e: CalendarEvent) => {
  const { start } = span(e);
  return e.allDay
    ? start.toLocaleDateString()
    : start.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
};

async function answer(e: CalendarEvent, response: string): Promise<void> {
  try {
    await api(path(e), { method: 'POST', body: JSON.stringify({ response }) });
    await render();
    changed();
  } catch (error) {
    $('#invitations-error').textContent = (error as Error).message;
  }
}

async function render(): Promise<void> {
  const ul = $('#invitation-list');
  const list = await load();
  if (list.length === 0) {
    ul.replaceChildren(h('li', { class: 'empty' }, 'No invitations waiting for an answer'));
    return;
  }
  ul.replaceChildren(
    ...list.map((e) =>
      h(
        'li',
        { class: 'invitation', 'data-id': e.id },
        h('strong', { class: 'title' }, e.title || '(no title)'),
        h('span', { class: 'when' }, ` ${when(e)}`),
        h('div', { class: 'from' }, `From ${e.organizer ?? '?'}${e.location ? ` · ${e.location}` : ''}`),
        h(
          'div',
          { class: 'buttons' },
          h(
            'button',
            { type: 'button', class: 'accept primary', onclick: () => void answer(e, 'accept') },
            'Accept',
          ),
          h(
            'button',
            { type: 'button', class: 'tentative', onclick: () => void answer(e, 'tentative') },
            'Tentative',
          ),
          h(
            'button',
            { type: 'button', class: 'decline', onclick: () => void answer(e, 'decline') },
            'Decline',
          ),
        ),
      ),
    ),
  );
}

export async function showInvitations(): Promise<void> {
  const dialog = h(
    'dialog',
    { id: 'invitations', 'aria-label': 'Invitations' },
    h('h2', {}, 'Invitations'),
    h('ul', { id: 'invitation-list', class: 'invitations' }),
    h('p', { class: 'error', id: 'invitations-error', role: 'alert' }),
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          id: 'invitations-close',
          onclick: () => {
            (dialog as HTMLDialogElement).close();
            dialog.remove();
            void refreshInvitations();
          },
        },
        'Close',
      ),
    ),
  );
  document.body.append(dialog);
  (dialog as HTMLDialogElement).showModal();
  await render().catch((error: Error) => ($('#invitations-error').textContent = error.message));
}
