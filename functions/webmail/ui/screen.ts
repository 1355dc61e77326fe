/// <reference lib="dom" />
/** The main screen: folder tree with unread counts and the message list (paging, threads, search). */
import { showLogin } from './login';
import { type Mailbox, PAGE, api, jmap, state } from './client';
import { compose } from './compose';
import { $, type Obj, h } from './dom';
import { open } from './reader';
import { settings } from './settings';
import { refreshCalendar, showCalendar } from './calendar';
import { refreshContacts, showContacts } from './contacts';

// ---- main screen ------------------------------------------------------------
export async function start(): Promise<void> {
  const app = $('#app');
  app.replaceChildren(
    h(
      'div',
      { class: 'shell' },
      h(
        'header',
        {},
        h('span', { class: 'brand' }, 'Nimbus Mail'),
        h(
          'div',
          { class: 'areas', role: 'navigation', 'aria-label': 'Areas' },
          h('button', { id: 'nav-mail', 'aria-current': 'true', onclick: () => void start() }, 'Mail'),
          h('button', { id: 'nav-calendar', onclick: () => void showCalendar() }, 'Calendar'),
          h('button', { id: 'nav-contacts', onclick: () => void showContacts() }, 'Contacts'),
        ),
        h(
          'button',
          { id: 'compose-button', class: 'primary', onclick: () => compose('new'), title: 'Compose (c)' },
          'Compose',
        ),
        h('input', {
          id: 'search',
          type: 'search',
          placeholder: 'Search mail (/)',
          'aria-label': 'Search mail',
          onkeydown: (e: KeyboardEvent) => {
            if (e.key === 'Enter') {
              state.search = (e.target as HTMLInputElement).value;
              state.position = 0;
              void loadList();
            }
          },
        }),
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            id: 'threads',
            onchange: (e: Event) => {
              state.threads = (e.target as HTMLInputElement).checked;
              void loadList();
            },
          }),
          ' Conversations',
        ),
        h('button', { id: 'settings-button', onclick: () => void settings() }, 'Settings'),
        h('span', { class: 'user' }, state.username),
        h('button', { id: 'logout', onclick: () => void logout() }, 'Sign out'),
      ),
      h('nav', { 'aria-label': 'Folders' }, h('ul', { id: 'folders' })),
      h(
        'section',
        { class: 'list', 'aria-label': 'Messages' },
        h('ol', { id: 'messages' }),
        h(
          'div',
          { class: 'pager' },
          h('button', { id: 'newer', onclick: () => page(-1) }, '‹ Newer'),
          h('span', { id: 'range' }),
          h('button', { id: 'older', onclick: () => page(1) }, 'Older ›'),
        ),
      ),
      h(
        'article',
        { class: 'reader', id: 'reader', 'aria-label': 'Message' },
        h('p', { class: 'empty' }, 'Select a message'),
      ),
    ),
  );
  await loadMailboxes();
  const inbox = state.mailboxes.find((m) => m.role === 'inbox');
  state.current = inbox?.id ?? state.mailboxes[0]?.id ?? '';
  renderFolders();
  await loadList();
  listenForChanges();
}

export async function loadMailboxes(): Promise<void> {
  const r = await jmap([['Mailbox/get', { accountId: state.accountId }, 'm']]);
  state.mailboxes = (r.m.list as Mailbox[]).sort(
    (a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name),
  );
}

export function renderFolders(): void {
  const ul = $('#folders');
  if (!ul) return;
  const byParent = (parent: string | null, depth: number): HTMLElement[] =>
    state.mailboxes
      .filter((m) => m.parentId === parent)
      .flatMap((m) => [
        h(
          'li',
          {
            'data-id': m.id,
            'data-role': m.role ?? '',
            class: `${m.id === state.current ? 'current' : ''} ${depth > 0 ? 'child' : ''}`,
            tabindex: 0,
            role: 'button',
            'aria-current': m.id === state.current ? 'true' : false,
            onclick: () => {
              state.current = m.id;
              state.position = 0;
              state.search = '';
              renderFolders();
              void loadList();
            },
          },
          h('span', {}, m.name),
          m.unreadEmails > 0
            ? h('span', { class: 'count', 'aria-label': `${m.unreadEmails} unread` }, String(m.unreadEmails))
            : '',
        ),
        ...byParent(m.id, depth + 1),
      ]);
  ul.replaceChildren(...byParent(null, 0));
}

export async function loadList(): Promise<void> {
  if (!$('#messages')) return; // the calendar or contacts view is showing
  const filter: Obj = state.search ? { text: state.search } : { inMailbox: state.current };
  const r = await jmap([
    [
      'Email/query',
      {
        accountId: state.accountId,
        filter,
        sort: [{ property: 'receivedAt', isAscending: false }],
        position: state.position,
        limit: PAGE,
        collapseThreads: state.threads,
        calculateTotal: true,
      },
      'q',
    ],
    [
      'Email/get',
      {
        accountId: state.accountId,
        '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
        properties: [
          'id',
          'threadId',
          'mailboxIds',
          'keywords',
          'from',
          'to',
          'cc',
          'subject',
          'receivedAt',
          'preview',
          'hasAttachment',
          'messageId',
          'references',
        ],
      },
      'g',
    ],
  ]);
  state.total = r.q.total ?? 0;
  state.emails = r.g.list as Obj[];
  const ol = $('#messages');
  if (state.emails.length === 0) ol.replaceChildren(h('li', { class: 'empty' }, 'No messages'));
  else
    ol.replaceChildren(
      ...state.emails.map((e) =>
        h(
          'li',
          {
            'data-id': e.id,
            tabindex: 0,
            class: `${e.keywords?.$seen ? '' : 'unread'} ${state.selected?.id === e.id ? 'selected' : ''}`,
            onclick: () => void open(e.id),
          },
          h(
            'div',
            { class: 'from' },
            h('span', {}, who(e.from)),
            h(
              'span',
              {},
              e.keywords?.$flagged ? h('span', { class: 'flag', 'aria-label': 'flagged' }, '★ ') : '',
              shortDate(e.receivedAt),
            ),
          ),
          h('div', { class: 'subject' }, e.subject || '(no subject)', e.hasAttachment ? ' 📎' : ''),
          h('div', { class: 'preview' }, e.preview ?? ''),
        ),
      ),
    );
  $('#range').textContent = state.total
    ? `${state.position + 1}–${Math.min(state.position + PAGE, state.total)} of ${state.total}`
    : '';
}

export function page(dir: number): void {
  const next = state.position + dir * PAGE;
  if (next < 0 || next >= state.total) return;
  state.position = next;
  void loadList();
}

export const who = (list: Obj[] | null) =>
  (list ?? []).map((a) => a.name || a.email).join(', ') || '(unknown)';
export const addrText = (list: Obj[] | null) =>
  (list ?? []).map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');
export const shortDate = (iso: string) => {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString();
};

async function logout(): Promise<void> {
  await api('/webmail/api/logout', { method: 'POST' }).catch(() => undefined);
  state.csrf = '';
  showLogin();
}

// Push: a mail change reloads the folder tree and the list; a calendar or contacts change (CalDAV,
// CardDAV, ActiveSync, an invitation delivered) redraws that view if it is open.
let source: EventSource | null = null;
function listenForChanges(): void {
  source?.close();
  source = new EventSource('/jmap/eventsource?types=*&closeafter=no&ping=60');
  source.addEventListener('state', (event) => {
    const changed = changedTypes((event as MessageEvent<string>).data);
    if (changed.has('Email') || changed.has('Mailbox')) {
      void loadMailboxes().then(() => {
        renderFolders();
        return loadList();
      });
    }
    if (changed.has('CalendarEvent') && $('#cal-grid')) void refreshCalendar();
    if (changed.has('ContactCard') && $('#contact-list')) void refreshContacts();
  });
}

/** The type names of a StateChange (all accounts); an unreadable one counts as a mail change. */
function changedTypes(data: string): Set<string> {
  try {
    const change = JSON.parse(data) as { changed?: Record<string, Record<string, string>> };
    return new Set(Object.values(change.changed ?? {}).flatMap((types) => Object.keys(types)));
  } catch {
    return new Set(['Email']);
  }
}
