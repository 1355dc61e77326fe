/// <reference lib="dom" />
/**
 * Nimbus webmail: a small single-page app on JMAP (plain DOM, no framework). Everything after
 * login goes through /jmap/api with the HttpOnly session cookie and the X-CSRF-Token header.
 * Mail HTML is never put into this document: it is rendered server-side (sanitised) into a
 * sandboxed iframe without scripts.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Mailbox {
  id: string;
  name: string;
  parentId: string | null;
  role: string | null;
  unreadEmails: number;
  totalEmails: number;
  sortOrder: number;
}

const PAGE = 50;
const USING = [
  'urn:ietf:params:jmap:core',
  'urn:ietf:params:jmap:mail',
  'urn:ietf:params:jmap:submission',
  'urn:ietf:params:jmap:vacationresponse',
];
const state = {
  csrf: '',
  accountId: '',
  username: '',
  mailboxes: [] as Mailbox[],
  current: '',
  position: 0,
  total: 0,
  emails: [] as Obj[],
  selected: null as Obj | null,
  search: '',
  threads: false,
  identity: null as Obj | null,
};

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) =>
  root.querySelector(sel) as T;
function h(tag: string, attrs: Obj = {}, ...children: (Node | string | null | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== false) el.append(c);
  return el;
}

async function api(path: string, init: RequestInit = {}): Promise<Obj> {
  const res = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': state.csrf, ...(init.headers ?? {}) },
  });
  const data = (await res.json().catch(() => ({}))) as Obj;
  if (!res.ok) throw new Error(data.error ?? data.detail ?? `HTTP ${res.status}`);
  return data;
}

async function jmap(calls: [string, Obj, string][]): Promise<Record<string, Obj>> {
  const res = await api('/jmap/api', {
    method: 'POST',
    body: JSON.stringify({ using: USING, methodCalls: calls }),
  });
  const out: Record<string, Obj> = {};
  for (const [name, args, id] of res.methodResponses as [string, Obj, string][]) {
    if (name === 'error') throw new Error(`${args.type}: ${args.description ?? ''}`);
    out[id] = args;
  }
  return out;
}

// ---- login ---------------------------------------------------------------
function showLogin(message = ''): void {
  const app = $('#app');
  app.replaceChildren(
    h(
      'form',
      { class: 'login', id: 'login-form', onsubmit: (e: Event) => void login(e) },
      h('h1', {}, 'Nimbus Mail'),
      h('label', { for: 'username' }, 'Email address'),
      h('input', {
        id: 'username',
        name: 'username',
        type: 'email',
        autocomplete: 'username',
        required: true,
      }),
      h('label', { for: 'password' }, 'Password'),
      h('input', {
        id: 'password',
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      }),
      h('p', { class: 'error', role: 'alert', id: 'login-error' }, message),
      h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    ),
  );
  $('#username').focus();
}

async function login(e: Event): Promise<void> {
  e.preventDefault();
  try {
    const s = await api('/webmail/api/login', {
      method: 'POST',
      body: JSON.stringify({
        username: $<HTMLInputElement>('#username').value,
        password: $<HTMLInputElement>('#password').value,
      }),
    });
    Object.assign(state, { csrf: s.csrf, accountId: s.accountId, username: s.username });
    await start();
  } catch (error) {
    $('#login-error').textContent = (error as Error).message;
  }
}

// ---- main screen ------------------------------------------------------------
async function start(): Promise<void> {
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

async function loadMailboxes(): Promise<void> {
  const r = await jmap([['Mailbox/get', { accountId: state.accountId }, 'm']]);
  state.mailboxes = (r.m.list as Mailbox[]).sort(
    (a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name),
  );
}

function renderFolders(): void {
  const ul = $('#folders');
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

async function loadList(): Promise<void> {
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

function page(dir: number): void {
  const next = state.position + dir * PAGE;
  if (next < 0 || next >= state.total) return;
  state.position = next;
  void loadList();
}

const who = (list: Obj[] | null) => (list ?? []).map((a) => a.name || a.email).join(', ') || '(unknown)';
const addrText = (list: Obj[] | null) =>
  (list ?? []).map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');
const shortDate = (iso: string) => {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString();
};

async function open(id: string, images = false): Promise<void> {
  const r = await jmap([
    [
      'Email/get',
      {
        accountId: state.accountId,
        ids: [id],
        properties: [
          'id',
          'threadId',
          'mailboxIds',
          'keywords',
          'from',
          'to',
          'cc',
          'replyTo',
          'subject',
          'sentAt',
          'receivedAt',
          'messageId',
          'references',
          'attachments',
          'textBody',
          'bodyValues',
        ],
        fetchTextBodyValues: true,
      },
      'g',
    ],
  ]);
  const e = r.g.list[0] as Obj | undefined;
  if (!e) return;
  state.selected = e;
  document
    .querySelectorAll('#messages li')
    .forEach((li) => li.classList.toggle('selected', (li as HTMLElement).dataset.id === id));
  if (!e.keywords?.$seen) await setKeyword(e, '$seen', true, false);
  const frameSrc = `/webmail/api/render/${encodeURIComponent(id)}${images ? '?images=1' : ''}`;
  const reader = $('#reader');
  reader.replaceChildren(
    h('h2', { id: 'reader-subject' }, e.subject || '(no subject)'),
    h(
      'div',
      { class: 'meta' },
      h('div', {}, 'From: ', addrText(e.from)),
      h('div', {}, 'To: ', addrText(e.to)),
      e.cc ? h('div', {}, 'Cc: ', addrText(e.cc)) : '',
      h('div', {}, new Date(e.sentAt ?? e.receivedAt).toLocaleString()),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'reply', onclick: () => compose('reply'), title: 'Reply (r)' }, 'Reply'),
      h(
        'button',
        { id: 'reply-all', onclick: () => compose('replyAll'), title: 'Reply all (a)' },
        'Reply all',
      ),
      h('button', { id: 'forward', onclick: () => compose('forward'), title: 'Forward (f)' }, 'Forward'),
      h(
        'button',
        {
          id: 'flag',
          onclick: () => void setKeyword(e, '$flagged', !e.keywords?.$flagged),
          title: 'Flag (s)',
        },
        e.keywords?.$flagged ? 'Unflag' : 'Flag',
      ),
      h(
        'button',
        { id: 'unread', onclick: () => void setKeyword(e, '$seen', false), title: 'Mark unread (u)' },
        'Mark unread',
      ),
      h('button', { id: 'delete', onclick: () => void remove(e), title: 'Delete (#)' }, 'Delete'),
      moveSelect(e),
    ),
    images
      ? ''
      : h(
          'div',
          { class: 'notice', id: 'images-notice' },
          'Remote images are not shown. ',
          h('button', { id: 'load-images', onclick: () => void open(id, true) }, 'Load images'),
        ),
    h('iframe', {
      id: 'body-frame',
      title: 'Message body',
      sandbox: 'allow-popups allow-popups-to-escape-sandbox',
      referrerpolicy: 'no-referrer',
      src: frameSrc,
    }),
    h(
      'div',
      { class: 'attachments', id: 'attachments' },
      ...(e.attachments as Obj[]).map((a) =>
        h(
          'a',
          {
            href: `/jmap/download/${state.accountId}/${a.blobId}/${encodeURIComponent(a.name ?? 'attachment')}?accept=${encodeURIComponent(a.type)}`,
            download: a.name ?? 'attachment',
          },
          `📎 ${a.name ?? a.type} (${Math.ceil(a.size / 1024)} KB)`,
        ),
      ),
    ),
  );
}

function moveSelect(e: Obj): HTMLElement {
  const select = h(
    'select',
    {
      id: 'move',
      'aria-label': 'Move to folder',
      onchange: (ev: Event) => void move(e, (ev.target as HTMLSelectElement).value),
    },
    h('option', { value: '' }, 'Move to…'),
    ...state.mailboxes.filter((m) => !e.mailboxIds[m.id]).map((m) => h('option', { value: m.id }, m.name)),
  );
  return select;
}

async function setKeyword(e: Obj, keyword: string, value: boolean, reload = true): Promise<void> {
  await jmap([
    [
      'Email/set',
      { accountId: state.accountId, update: { [e.id]: { [`keywords/${keyword}`]: value ? true : null } } },
      's',
    ],
  ]);
  e.keywords = { ...e.keywords, [keyword]: value || undefined };
  await loadMailboxes();
  renderFolders();
  if (reload) {
    await loadList();
    if (state.selected?.id === e.id && keyword === '$flagged') await open(e.id);
  }
}

async function move(e: Obj, target: string): Promise<void> {
  if (!target) return;
  await jmap([
    [
      'Email/set',
      { accountId: state.accountId, update: { [e.id]: { mailboxIds: { [target]: true } } } },
      's',
    ],
  ]);
  state.selected = null;
  $('#reader').replaceChildren(h('p', { class: 'empty' }, 'Moved.'));
  await loadMailboxes();
  renderFolders();
  await loadList();
}

async function remove(e: Obj): Promise<void> {
  const trash = state.mailboxes.find((m) => m.role === 'trash');
  if (trash && !e.mailboxIds[trash.id]) return move(e, trash.id);
  await jmap([['Email/set', { accountId: state.accountId, destroy: [e.id] }, 's']]);
  state.selected = null;
  $('#reader').replaceChildren(h('p', { class: 'empty' }, 'Deleted.'));
  await loadMailboxes();
  renderFolders();
  await loadList();
}

// ---- compose ----------------------------------------------------------------
async function identity(): Promise<Obj> {
  if (!state.identity) {
    const r = await jmap([['Identity/get', { accountId: state.accountId }, 'i']]);
    state.identity = r.i.list[0];
  }
  return state.identity!;
}

function parseAddresses(text: string): Obj[] {
  return text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(.*)<([^>]+)>$/.exec(s);
      return m
        ? { name: m[1].trim().replace(/^"|"$/g, '') || null, email: m[2].trim() }
        : { name: null, email: s };
    });
}

function compose(kind: 'new' | 'reply' | 'replyAll' | 'forward'): void {
  const e = kind === 'new' ? null : state.selected;
  if (kind !== 'new' && !e) return;
  const quote = e ? (e.textBody as Obj[]).map((p) => e.bodyValues?.[p.partId]?.value ?? '').join('\n') : '';
  const me = state.username.toLowerCase();
  let to = '';
  let cc = '';
  let subject = '';
  if (e && kind !== 'forward') {
    to = addrText(e.replyTo ?? e.from);
    if (kind === 'replyAll')
      cc = addrText([...(e.to ?? []), ...(e.cc ?? [])].filter((a: Obj) => a.email.toLowerCase() !== me));
    subject = /^re:/i.test(e.subject ?? '') ? e.subject : `Re: ${e.subject ?? ''}`;
  } else if (e) subject = /^fwd?:/i.test(e.subject ?? '') ? e.subject : `Fwd: ${e.subject ?? ''}`;
  const body = e
    ? `\n\n${
        kind === 'forward'
          ? '---------- Forwarded message ----------\nFrom: ' +
            addrText(e.from) +
            '\nSubject: ' +
            (e.subject ?? '') +
            '\n\n' +
            quote
          : 'On ' +
            new Date(e.sentAt ?? e.receivedAt).toLocaleString() +
            ', ' +
            who(e.from) +
            ' wrote:\n' +
            quote
              .split('\n')
              .map((l: string) => '> ' + l)
              .join('\n')
      }`
    : '';
  const dialog = h(
    'dialog',
    { id: 'compose', 'aria-label': 'Compose' },
    h(
      'form',
      { method: 'dialog', onsubmit: (ev: Event) => ev.preventDefault() },
      h('label', { for: 'compose-to' }, 'To'),
      h('input', { id: 'compose-to', type: 'text', value: to }),
      h('label', { for: 'compose-cc' }, 'Cc'),
      h('input', { id: 'compose-cc', type: 'text', value: cc }),
      h('label', { for: 'compose-subject' }, 'Subject'),
      h('input', { id: 'compose-subject', type: 'text', value: subject }),
      h('label', { for: 'compose-body' }, 'Message'),
      h('textarea', { id: 'compose-body' }),
      h('label', { for: 'compose-files' }, 'Attachments'),
      h('input', { id: 'compose-files', type: 'file', multiple: true }),
      h('p', { class: 'error', id: 'compose-error', role: 'alert' }),
      h(
        'div',
        { class: 'buttons' },
        h(
          'button',
          {
            type: 'button',
            id: 'compose-cancel',
            onclick: () => {
              (dialog as HTMLDialogElement).close();
              dialog.remove();
            },
          },
          'Cancel',
        ),
        h(
          'button',
          { type: 'button', id: 'compose-draft', onclick: () => void send(dialog, e, kind, false) },
          'Save draft',
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'compose-send',
            class: 'primary',
            onclick: () => void send(dialog, e, kind, true),
          },
          'Send',
        ),
      ),
    ),
  );
  document.body.append(dialog);
  void identity().then((id) => {
    const sig = id.textSignature ? `\n\n-- \n${id.textSignature}` : '';
    $<HTMLTextAreaElement>('#compose-body').value = sig + body;
  });
  (dialog as HTMLDialogElement).showModal();
  $(to ? '#compose-body' : '#compose-to').focus();
}

async function send(dialog: HTMLElement, original: Obj | null, kind: string, submit: boolean): Promise<void> {
  try {
    const id = await identity();
    const files = Array.from($<HTMLInputElement>('#compose-files').files ?? []);
    const attachments: Obj[] = [];
    for (const file of files) {
      const res = await fetch(`/jmap/upload/${state.accountId}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': state.csrf },
        body: file,
      });
      if (!res.ok) throw new Error(`upload failed (${res.status})`);
      const up = (await res.json()) as Obj;
      attachments.push({
        blobId: up.blobId,
        type: file.type || 'application/octet-stream',
        name: file.name,
        disposition: 'attachment',
      });
    }
    const drafts = state.mailboxes.find((m) => m.role === 'drafts');
    const sent = state.mailboxes.find((m) => m.role === 'sent');
    const email: Obj = {
      mailboxIds: { [drafts?.id ?? state.current]: true },
      keywords: { $draft: true, $seen: true },
      from: [{ name: id.name || null, email: id.email }],
      to: parseAddresses($<HTMLInputElement>('#compose-to').value),
      cc: parseAddresses($<HTMLInputElement>('#compose-cc').value),
      subject: $<HTMLInputElement>('#compose-subject').value,
      bodyValues: { body: { value: $<HTMLTextAreaElement>('#compose-body').value } },
      textBody: [{ partId: 'body', type: 'text/plain' }],
      attachments,
    };
    if (original && kind !== 'forward') {
      email.inReplyTo = original.messageId;
      email.references = [...(original.references ?? []), ...(original.messageId ?? [])];
    }
    const calls: [string, Obj, string][] = [
      ['Email/set', { accountId: state.accountId, create: { draft: email } }, 'c'],
    ];
    if (submit) {
      calls.push([
        'EmailSubmission/set',
        {
          accountId: state.accountId,
          create: { send: { identityId: id.id, emailId: '#draft' } },
          onSuccessUpdateEmail: {
            '#send': {
              [`mailboxIds/${drafts?.id}`]: null,
              [`mailboxIds/${sent?.id}`]: true,
              'keywords/$draft': null,
            },
          },
        },
        's',
      ]);
    }
    const r = await jmap(calls);
    if (r.c.notCreated?.draft) throw new Error(r.c.notCreated.draft.description ?? r.c.notCreated.draft.type);
    if (submit && r.s.notCreated?.send)
      throw new Error(r.s.notCreated.send.description ?? r.s.notCreated.send.type);
    if (submit && original && kind !== 'forward') await setKeyword(original, '$answered', true, false);
    (dialog as HTMLDialogElement).close();
    dialog.remove();
    await loadMailboxes();
    renderFolders();
    await loadList();
    toast(submit ? 'Message sent.' : 'Draft saved.');
  } catch (error) {
    $('#compose-error').textContent = (error as Error).message;
  }
}

function toast(text: string): void {
  const t = h('div', { class: 'notice', id: 'toast', role: 'status' }, text);
  $('#reader').prepend(t);
  setTimeout(() => t.remove(), 4000);
}

// ---- settings -----------------------------------------------------------------
async function settings(): Promise<void> {
  const r = await jmap([
    ['VacationResponse/get', { accountId: state.accountId }, 'v'],
    ['Identity/get', { accountId: state.accountId }, 'i'],
  ]);
  const vac = r.v.list[0] as Obj;
  const id = r.i.list[0] as Obj;
  const dialog = h(
    'dialog',
    { id: 'settings', 'aria-label': 'Settings' },
    h('h3', {}, 'Settings'),
    h('label', { for: 'sig' }, 'Signature'),
    h('textarea', { id: 'sig' }),
    h(
      'label',
      {},
      h('input', { type: 'checkbox', id: 'vac-on', checked: vac.isEnabled }),
      ' Vacation reply on',
    ),
    h('label', { for: 'vac-subject' }, 'Vacation subject'),
    h('input', { id: 'vac-subject', type: 'text', value: vac.subject ?? '' }),
    h('label', { for: 'vac-body' }, 'Vacation message'),
    h('textarea', { id: 'vac-body' }),
    h('h4', {}, 'Change password'),
    h('label', { for: 'pw-current' }, 'Current password'),
    h('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password' }),
    h('label', { for: 'pw-next' }, 'New password'),
    h('input', { id: 'pw-next', type: 'password', autocomplete: 'new-password' }),
    h('p', {}, 'Forwarding to another address is set up by your administrator (an alias/forward).'),
    h('p', { class: 'error', id: 'settings-error', role: 'alert' }),
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            (dialog as HTMLDialogElement).close();
            dialog.remove();
          },
        },
        'Close',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: 'settings-save',
          onclick: async () => {
            try {
              await jmap([
                [
                  'Identity/set',
                  {
                    accountId: state.accountId,
                    update: { [id.id]: { textSignature: $<HTMLTextAreaElement>('#sig').value } },
                  },
                  'i',
                ],
                [
                  'VacationResponse/set',
                  {
                    accountId: state.accountId,
                    update: {
                      singleton: {
                        isEnabled: $<HTMLInputElement>('#vac-on').checked,
                        subject: $<HTMLInputElement>('#vac-subject').value,
                        textBody: $<HTMLTextAreaElement>('#vac-body').value,
                      },
                    },
                  },
                  'v',
                ],
              ]);
              state.identity = null;
              const next = $<HTMLInputElement>('#pw-next').value;
              if (next)
                await api('/webmail/api/password', {
                  method: 'POST',
                  body: JSON.stringify({ current: $<HTMLInputElement>('#pw-current').value, next }),
                });
              (dialog as HTMLDialogElement).close();
              dialog.remove();
            } catch (error) {
              $('#settings-error').textContent = (error as Error).message;
            }
          },
        },
        'Save',
      ),
    ),
  );
  document.body.append(dialog);
  $<HTMLTextAreaElement>('#sig').value = id.textSignature ?? '';
  $<HTMLTextAreaElement>('#vac-body').value = vac.textBody ?? '';
  (dialog as HTMLDialogElement).showModal();
}

async function logout(): Promise<void> {
  await api('/webmail/api/logout', { method: 'POST' }).catch(() => undefined);
  state.csrf = '';
  showLogin();
}

// ---- push and keyboard ---------------------------------------------------------
let source: EventSource | null = null;
function listenForChanges(): void {
  source?.close();
  source = new EventSource('/jmap/eventsource?types=*&closeafter=no&ping=60');
  source.addEventListener('state', () => {
    void loadMailboxes().then(() => {
      renderFolders();
      return loadList();
    });
  });
}

document.addEventListener('keydown', (e) => {
  if (!state.csrf || document.querySelector('dialog[open]')) return;
  const target = e.target as HTMLElement;
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
  const index = state.emails.findIndex((m) => m.id === state.selected?.id);
  const go = (i: number) => {
    const m = state.emails[i];
    if (m) void open(m.id);
  };
  const actions: Record<string, () => void> = {
    j: () => go(index + 1),
    k: () => go(Math.max(0, index - 1)),
    c: () => compose('new'),
    r: () => compose('reply'),
    a: () => compose('replyAll'),
    f: () => compose('forward'),
    s: () => {
      if (state.selected) void setKeyword(state.selected, '$flagged', !state.selected.keywords?.$flagged);
    },
    u: () => {
      if (state.selected) void setKeyword(state.selected, '$seen', false);
    },
    '#': () => {
      if (state.selected) void remove(state.selected);
    },
    '/': () => $('#search').focus(),
  };
  const action = actions[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
});

void (async () => {
  try {
    const s = await api('/webmail/api/session');
    Object.assign(state, { csrf: s.csrf, accountId: s.accountId, username: s.username });
    await start();
  } catch {
    showLogin();
  }
})();
