/// <reference lib="dom" />
/** The settings dialog: signature, vacation reply, forwarding and password. */
import { $, h, type Obj } from './dom';
import { api, jmap, state } from './client';
import { showRules } from './rules';
import { showLists } from './lists';

export async function settings(): Promise<void> {
  const r = await jmap([
    ['VacationResponse/get', { accountId: state.accountId }, 'v'],
    ['Identity/get', { accountId: state.accountId }, 'i'],
    ['Forwarding/get', { accountId: state.accountId }, 'f'],
  ]);
  const fwd = r.f.list[0] as Obj;
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
    h('h4', {}, 'Forwarding'),
    h('label', { for: 'fwd-to' }, 'Forward my mail to (addresses, comma-separated; empty: off)'),
    h('input', { id: 'fwd-to', type: 'text', value: (fwd.targets as string[]).join(', ') }),
    h(
      'label',
      {},
      h('input', { type: 'checkbox', id: 'fwd-keep', checked: fwd.keepCopy }),
      ' Keep a copy here',
    ),
    h('h4', {}, 'Filter rules'),
    h(
      'button',
      {
        type: 'button',
        id: 'rules-button',
        onclick: () => {
          (dialog as HTMLDialogElement).close();
          dialog.remove();
          void showRules();
        },
      },
      'Edit filter rules…',
    ),
    h('h4', {}, 'Mailing lists'),
    h(
      'button',
      {
        type: 'button',
        id: 'lists-button',
        onclick: () => {
          (dialog as HTMLDialogElement).close();
          dialog.remove();
          void showLists();
        },
      },
      'My mailing lists…',
    ),
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
              const r2 = await jmap([
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
                [
                  'Forwarding/set',
                  {
                    accountId: state.accountId,
                    update: {
                      singleton: {
                        targets: $<HTMLInputElement>('#fwd-to')
                          .value.split(/[,;\s]+/)
                          .filter(Boolean),
                        keepCopy: $<HTMLInputElement>('#fwd-keep').checked,
                      },
                    },
                  },
                  'f',
                ],
              ]);
              const refused = r2.f.notUpdated?.singleton as Obj | undefined;
              if (refused) throw new Error(refused.description ?? 'forwarding refused');
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
