/// <reference lib="dom" />
/** The reading pane: a message (HTML sanitised server-side, in a sandboxed iframe) and its actions. */
import { jmap, state } from './client';
import { compose } from './compose';
import { $, type Obj, h } from './dom';
import { addrText, loadList, loadMailboxes, renderFolders } from './screen';

export async function open(id: string, images = false): Promise<void> {
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

export function moveSelect(e: Obj): HTMLElement {
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

export async function setKeyword(e: Obj, keyword: string, value: boolean, reload = true): Promise<void> {
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

export async function move(e: Obj, target: string): Promise<void> {
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

export async function remove(e: Obj): Promise<void> {
  const trash = state.mailboxes.find((m) => m.role === 'trash');
  if (trash && !e.mailboxIds[trash.id]) return move(e, trash.id);
  await jmap([['Email/set', { accountId: state.accountId, destroy: [e.id] }, 's']]);
  state.selected = null;
  $('#reader').replaceChildren(h('p', { class: 'empty' }, 'Deleted.'));
  await loadMailboxes();
  renderFolders();
  await loadList();
}
