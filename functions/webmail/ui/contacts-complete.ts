/// <reference lib="dom" />
/**
 * Address completion for compose (To, Cc) and the attendee field: a listbox under the field with
 * the user's contacts and the domain directory matching the address being typed (the text after
 * the last comma). Keyboard: ↓/↑ move, Enter or Tab picks, Escape closes; a click picks too.
 */
import { api } from './client';
import { h, type Obj } from './dom';

interface Completion {
  name: string;
  email: string;
  source: 'contact' | 'directory';
}

let counter = 0;

const current = (text: string) => {
  const i = Math.max(text.lastIndexOf(','), text.lastIndexOf(';'));
  return { head: i >= 0 ? text.slice(0, i + 1) + ' ' : '', token: text.slice(i + 1).trim() };
};

export function attachCompletion(input: HTMLInputElement): void {
  const id = `completions-${++counter}`;
  const list = h('ul', { id, class: 'completions', role: 'listbox', hidden: true }) as HTMLUListElement;
  input.after(list);
  Object.entries({
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': id,
    autocomplete: 'off',
  }).forEach(([k, v]) => input.setAttribute(k, v));
  let items: Completion[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  const closeList = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const render = () => {
    if (items.length === 0) return closeList();
    list.replaceChildren(
      ...items.map((c, i) =>
        h(
          'li',
          {
            id: `${id}-${i}`,
            role: 'option',
            class: `completion ${c.source}`,
            'aria-selected': String(i === active),
            'data-email': c.email,
            onmousedown: (ev: Event) => {
              ev.preventDefault(); // keep the focus in the field
              pick(i);
            },
          },
          h('span', { class: 'name' }, c.name || c.email),
          h('span', { class: 'address' }, ` <${c.email}>`),
          c.source === 'directory' ? h('span', { class: 'source' }, ' · directory') : null,
        ),
      ),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `${id}-${active}`);
  };
  const pick = (i: number) => {
    const c = items[i];
    if (!c) return;
    const { head } = current(input.value);
    const address = c.name && c.name !== c.email ? `${c.name.replace(/[",<>]/g, '')} <${c.email}>` : c.email;
    input.value = `${head}${address}, `;
    items = [];
    closeList();
    input.dispatchEvent(new Event('change'));
  };
  const ask = async () => {
    const { token } = current(input.value);
    const mine = ++asked;
    if (!token) {
      items = [];
      return closeList();
    }
    const r: Obj = await api(`/webmail/api/contacts/complete?${new URLSearchParams({ q: token })}`).catch(
      () => ({ results: [] }),
    );
    if (mine !== asked) return; // a later keystroke's answer wins
    items = r.results as Completion[];
    active = items.length ? 0 : -1;
    render();
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void ask(), 120);
  });
  input.addEventListener('blur', () => closeList());
  input.addEventListener('keydown', (ev) => {
    if (list.hidden || items.length === 0) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      active = (active + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      render();
    } else if ((ev.key === 'Enter' || ev.key === 'Tab') && active >= 0) {
      ev.preventDefault();
      pick(active);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation(); // close the list, not the dialog
      closeList();
    }
  });
}
