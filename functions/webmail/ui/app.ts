/// <reference lib="dom" />
/**
 * Nimbus webmail: a small single-page app on JMAP (plain DOM, no framework). Everything after
 * login goes through /jmap/api with the HttpOnly session cookie and the X-CSRF-Token header.
 * Mail HTML is never put into this document: it is rendered server-side (sanitised) into a
 * sandboxed iframe without scripts.
 */
import { api, state } from './client';
import { compose } from './compose';
import { $ } from './dom';
import { showLogin } from './login';
import { open, remove, setKeyword } from './reader';
import { start } from './screen';

document.addEventListener('keydown', (e) => {
  if (!state.csrf || document.querySelector('dialog[open]')) return;
  if (document.querySelector('.pim-view')) return; // mail keys are for the mail view
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
