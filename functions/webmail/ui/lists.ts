/// <reference lib="dom" />
/**
 * The mailing lists dialog (from Settings): the lists the user belongs to or runs, with their
 * own delivery mode and "Leave"; a list's archive (months, posts, search, a post read in a
 * sandboxed frame like any mail); and, for owners and moderators, the held posts with approve,
 * reject, discard and defer. Everything goes through /webmail/api/lists (lists-member-api.ts and
 * lists-archive-api.ts).
 */
import { api } from './client';
import { h, type Obj } from './dom';

const enc = encodeURIComponent;
const MODES: [string, string][] = [
  ['normal', 'Every post'],
  ['digest', 'Digest'],
  ['nomail', 'No mail'],
];

export async function showLists(): Promise<void> {
  const error = h('p', { class: 'error', id: 'lists-error', role: 'alert' });
  const table = h('ul', { id: 'lists-list', class: 'lists-list' });
  const panel = h('section', { id: 'lists-panel' });
  const dialog = h(
    'dialog',
    { id: 'lists', 'aria-label': 'Mailing lists' },
    h('h3', {}, 'Mailing lists'),
    table,
    panel,
    error,
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          id: 'lists-close',
          onclick: () => {
            (dialog as HTMLDialogElement).close();
            dialog.remove();
          },
        },
        'Close',
      ),
    ),
  );
  const attempt = async (run: () => Promise<void>) => {
    error.textContent = '';
    try {
      await run();
    } catch (e) {
      error.textContent = (e as Error).message;
    }
  };

  const drawLists = async () => {
    const { lists } = (await api('/webmail/api/lists')) as { lists: Obj[] };
    table.replaceChildren(
      ...lists.map((list) => {
        const mode = h(
          'select',
          {
            class: 'list-mode',
            'aria-label': `Delivery for ${list.address}`,
            onchange: (e: Event) =>
              void attempt(async () => {
                await api(`/webmail/api/lists/${enc(list.address)}/membership`, {
                  method: 'PUT',
                  body: JSON.stringify({ deliveryMode: (e.target as HTMLSelectElement).value }),
                });
              }),
          },
          ...MODES.map(([value, label]) =>
            h('option', { value, selected: value === list.deliveryMode }, label),
          ),
        );
        return h(
          'li',
          { class: 'list-row', 'data-address': list.address },
          h('strong', {}, list.name || list.address),
          ` <${list.address}> `,
          list.roles.length > 0 ? h('span', { class: 'list-roles' }, `(${list.roles.join(', ')}) `) : null,
          list.member ? mode : null,
          list.member
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'list-leave',
                  onclick: () =>
                    void attempt(async () => {
                      if (!confirm(`Leave ${list.address}?`)) return;
                      await api(`/webmail/api/lists/${enc(list.address)}/membership`, { method: 'DELETE' });
                      await drawLists();
                    }),
                },
                'Leave',
              )
            : null,
          list.archive !== 'none'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'list-archive',
                  onclick: () => void attempt(() => drawArchive(list.address)),
                },
                'Archive',
              )
            : null,
          list.held !== undefined
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'list-held',
                  onclick: () => void attempt(() => drawHeld(list.address)),
                },
                `Held posts (${list.held})`,
              )
            : null,
        );
      }),
    );
    if (lists.length === 0) table.append(h('li', { class: 'empty' }, 'You are on no mailing list here.'));
  };

  const entries = (address: string, items: Obj[]) =>
    h(
      'ol',
      { class: 'archive-entries' },
      ...items.map((e) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: '#',
              class: 'archive-entry',
              onclick: (ev: Event) => {
                ev.preventDefault();
                read(address, e.id);
              },
            },
            e.subject || '(no subject)',
          ),
          ` — ${e.from}`,
        ),
      ),
    );
  const read = (address: string, id: string) => {
    panel.querySelector('#archive-post')?.remove();
    panel.append(
      h('iframe', {
        id: 'archive-post',
        title: 'Archived post',
        sandbox: 'allow-popups allow-popups-to-escape-sandbox',
        src: `/webmail/api/lists/${enc(address)}/archive/messages/${enc(id)}/render`,
      }),
    );
  };

  async function drawArchive(address: string): Promise<void> {
    const base = `/webmail/api/lists/${enc(address)}/archive`;
    const { months } = (await api(base)) as { months: { month: string; count: number }[] };
    const results = h('div', { id: 'archive-results' });
    const search = h('input', { id: 'archive-search', type: 'search', 'aria-label': 'Search the archive' });
    const monthList = h(
      'ul',
      { id: 'archive-months' },
      ...months.map((m) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'archive-month',
              onclick: () =>
                void attempt(async () => {
                  const page = await api(`${base}/months/${m.month}`);
                  results.replaceChildren(entries(address, page.entries));
                }),
            },
            `${m.month} (${m.count})`,
          ),
        ),
      ),
    );
    if (months.length === 0) monthList.append(h('li', { class: 'empty' }, 'Nothing archived yet.'));
    panel.replaceChildren(
      h('h4', {}, `Archive of ${address}`),
      h(
        'form',
        {
          id: 'archive-search-form',
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            void attempt(async () => {
              const q = (search as HTMLInputElement).value.trim();
              if (!q) return;
              const found = await api(`${base}/search?q=${enc(q)}`);
              results.replaceChildren(
                found.entries.length
                  ? entries(address, found.entries)
                  : h('p', { class: 'empty' }, 'No posts match.'),
              );
            });
          },
        },
        search,
        h('button', { type: 'submit' }, 'Search'),
      ),
      monthList,
      results,
    );
  }

  async function drawHeld(address: string): Promise<void> {
    const base = `/webmail/api/lists/${enc(address)}/held`;
    const { held } = (await api(base)) as { held: Obj[] };
    const decide = (id: string, action: string) =>
      attempt(async () => {
        await api(`${base}/${enc(id)}`, { method: 'POST', body: JSON.stringify({ action }) });
        if (action === 'defer') {
          // Left for later: it stays in the queue, marked here until the dialog is reopened.
          panel.querySelector(`li.held-post[data-id="${id}"]`)?.classList.add('deferred');
          return;
        }
        await drawHeld(address);
        await drawLists();
      });
    panel.replaceChildren(
      h('h4', {}, `Held posts on ${address}`),
      h(
        'ul',
        { id: 'held-posts' },
        ...held.map((p) =>
          h(
            'li',
            { class: 'held-post', 'data-id': p.id },
            h('strong', {}, p.subject || '(no subject)'),
            ` from ${p.sender} — ${p.reason} `,
            ...['approve', 'reject', 'discard', 'defer'].map((action) =>
              h(
                'button',
                { type: 'button', class: `held-${action}`, onclick: () => void decide(p.id, action) },
                action[0].toUpperCase() + action.slice(1),
              ),
            ),
          ),
        ),
        held.length === 0 ? h('li', { class: 'empty' }, 'No posts are waiting.') : null,
      ),
    );
  }

  document.body.append(dialog);
  (dialog as HTMLDialogElement).showModal();
  await attempt(drawLists);
}
