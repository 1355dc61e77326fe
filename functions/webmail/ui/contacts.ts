/// <reference lib="dom" />
/** The address book screen: search, list, and a dialog to create, edit and delete contacts. */
import { api } from './client';
import { $, h, type Obj } from './dom';
import { pimView } from './contacts-shell';

interface Contact {
  id: string;
  etag: string;
  name: string;
  emails: string[];
  phones: string[];
  org: string;
  note: string;
}

const contactPath = (c: Contact) =>
  '/webmail/api/contacts/' + c.id.split('/').map(encodeURIComponent).join('/');
const split = (s: string) =>
  s
    .split(/[,;\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

export async function showContacts(): Promise<void> {
  const view = h(
    'section',
    { class: 'pim-view contacts', id: 'contacts', 'aria-label': 'Contacts' },
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        { id: 'new-contact', type: 'button', class: 'primary', onclick: () => contactDialog(null) },
        'New contact',
      ),
      h('input', {
        id: 'contact-search',
        type: 'search',
        placeholder: 'Search contacts',
        'aria-label': 'Search contacts',
        oninput: () => void loadContacts(),
      }),
    ),
    h('p', { class: 'error', id: 'contacts-error', role: 'alert' }),
    h('ul', { id: 'contact-list', class: 'contact-list' }),
  );
  pimView(view);
  await loadContacts();
}

/** Redraws the open contact list (push: a CardDAV or ActiveSync change). */
export const refreshContacts = (): Promise<void> => loadContacts();

async function loadContacts(): Promise<void> {
  const q = $<HTMLInputElement>('#contact-search')?.value ?? '';
  try {
    const r: Obj = await api(`/webmail/api/contacts?${new URLSearchParams({ q })}`);
    const list = r.contacts as Contact[];
    $('#contact-list').replaceChildren(
      ...(list.length
        ? list.map((c) =>
            h(
              'li',
              {},
              h(
                'button',
                { type: 'button', class: 'contact', 'data-id': c.id, onclick: () => contactDialog(c) },
                h('strong', {}, c.name),
                h('span', { class: 'address' }, c.emails.join(', ')),
                c.org ? h('span', { class: 'org' }, c.org) : null,
              ),
            ),
          )
        : [h('li', { class: 'empty' }, q ? 'No contact matches' : 'No contacts yet')]),
    );
    $('#contacts-error').textContent = '';
  } catch (error) {
    $('#contacts-error').textContent = (error as Error).message;
  }
}

function contactDialog(c: Contact | null): void {
  const input = (id: string, label: string, v: string) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, type: 'text', value: v }));
  const close = () => {
    (dialog as HTMLDialogElement).close();
    dialog.remove();
  };
  const run = async (method: string) => {
    try {
      const body =
        method === 'DELETE'
          ? undefined
          : JSON.stringify({
              name: $<HTMLInputElement>('#contact-name').value,
              emails: split($<HTMLInputElement>('#contact-emails').value),
              phones: split($<HTMLInputElement>('#contact-phones').value),
              org: $<HTMLInputElement>('#contact-org').value,
              note: $<HTMLTextAreaElement>('#contact-note').value,
            });
      const headers: Record<string, string> = c ? { 'if-match': c.etag } : {};
      await api(c ? contactPath(c) : '/webmail/api/contacts', { method, body, headers });
      close();
      await loadContacts();
    } catch (error) {
      $('#contact-error').textContent = (error as Error).message;
    }
  };
  const dialog = h(
    'dialog',
    { id: 'contact-dialog', 'aria-label': c ? 'Edit contact' : 'New contact' },
    h(
      'form',
      { method: 'dialog', onsubmit: (ev: Event) => ev.preventDefault() },
      h('h2', {}, c ? 'Edit contact' : 'New contact'),
      input('contact-name', 'Name', c?.name ?? ''),
      input('contact-emails', 'Email addresses (separated by commas)', c?.emails.join(', ') ?? ''),
      input('contact-phones', 'Phone numbers (separated by commas)', c?.phones.join(', ') ?? ''),
      input('contact-org', 'Organisation', c?.org ?? ''),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'contact-note' }, 'Note'),
        h('textarea', { id: 'contact-note' }, c?.note ?? ''),
      ),
      h('p', { class: 'error', id: 'contact-error', role: 'alert' }),
      h(
        'div',
        { class: 'buttons' },
        c
          ? h('button', { type: 'button', id: 'contact-delete', onclick: () => void run('DELETE') }, 'Delete')
          : null,
        h('button', { type: 'button', id: 'contact-cancel', onclick: close }, 'Cancel'),
        h(
          'button',
          {
            type: 'button',
            id: 'contact-save',
            class: 'primary',
            onclick: () => void run(c ? 'PUT' : 'POST'),
          },
          'Save',
        ),
      ),
    ),
  );
  document.body.append(dialog);
  (dialog as HTMLDialogElement).showModal();
  $('#contact-name').focus();
}
