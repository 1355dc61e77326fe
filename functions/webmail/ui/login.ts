/// <reference lib="dom" />
/** The sign-in form (the session cookie is HttpOnly; the CSRF token comes back in the JSON). */
import { api, state } from './client';
import { $, h } from './dom';
import { start } from './screen';

export function showLogin(message = ''): void {
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
