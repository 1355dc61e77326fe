/// <reference lib="dom" />
/** Compose, reply, reply-all and forward, with attachments and drafts. */
import { jmap, state } from './client';
import { $, type Obj, h } from './dom';
import { setKeyword } from './reader';
import { attachCompletion } from './contacts-complete';
import { addrText, loadList, loadMailboxes, renderFolders, who } from './screen';

// ---- compose ----------------------------------------------------------------
export async function identity(): Promise<Obj> {
  if (!state.identity) {
    const r = await jmap([['Identity/get', { accountId: state.accountId }, 'i']]);
    state.identity = r.i.list[0];
  }
  return state.identity!;
}

export function parseAddresses(text: string): Obj[] {
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

export function compose(kind: 'new' | 'reply' | 'replyAll' | 'forward'): void {
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
  attachCompletion($<HTMLInputElement>('#compose-to'));
  attachCompletion($<HTMLInputElement>('#compose-cc'));
  void identity().then((id) => {
    const sig = id.textSignature ? `\n\n-- \n${id.textSignature}` : '';
    $<HTMLTextAreaElement>('#compose-body').value = sig + body;
  });
  (dialog as HTMLDialogElement).showModal();
  $(to ? '#compose-body' : '#compose-to').focus();
}

export async function send(
  dialog: HTMLElement,
  original: Obj | null,
  kind: string,
  submit: boolean,
): Promise<void> {
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

export function toast(text: string): void {
  const t = h('div', { class: 'notice', id: 'toast', role: 'status' }, text);
  $('#reader').prepend(t);
  setTimeout(() => t.remove(), 4000);
}
