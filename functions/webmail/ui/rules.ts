/// <reference lib="dom" />
/**
 * The filter rules dialog (from Settings): the list of rules (reorder, enable, edit, delete, add),
 * filtering on or off, and a "Raw script" tab for the Sieve text itself, where a compile error
 * is shown with its line and column and the cursor put there. Scripts edited by hand are raw only.
 */
import { state } from './client';
import { $, h, type Obj } from './dom';
import { ruleForm } from './rules-form';
import { newRule, summary, type Rule } from './rules-model';

/** Like client.api, but the error keeps the whole answer (line and column of a bad script). */
async function call(path: string, method = 'GET', body?: unknown): Promise<Obj> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': state.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as Obj;
  if (!res.ok) throw Object.assign(new Error(data.error ?? `HTTP ${res.status}`), { data });
  return data;
}

interface View {
  exists: boolean;
  rules: Rule[] | null;
  active: string | null;
}

export async function showRules(): Promise<void> {
  const view = (await call('/webmail/api/sieve')) as View;
  const rules: Rule[] = view.rules ? [...view.rules] : [];
  const handEdited = view.rules === null;
  const error = h('p', { class: 'error', id: 'rules-error', role: 'alert' });
  const list = h('ol', { id: 'rules-list', class: 'rules-list' });
  const panel = h('div', { id: 'rules-panel' });
  const filtering = h('input', {
    type: 'checkbox',
    id: 'rules-on',
    checked: view.active === 'webmail' || !view.exists,
  });
  const close = () => {
    (dialog as HTMLDialogElement).close();
    dialog.remove();
  };

  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= rules.length) return;
    [rules[i], rules[j]] = [rules[j], rules[i]];
    draw();
  };
  const edit = (i: number | null) => {
    const form = ruleForm(
      i === null ? newRule() : rules[i],
      (rule) => {
        if (i === null) rules.push(rule);
        else rules[i] = rule;
        form.remove();
        draw();
      },
      () => form.remove(),
    );
    $('#rule-form', dialog)?.remove();
    panel.append(form);
    ($('#rule-name', form) as HTMLInputElement).focus();
  };
  function draw() {
    list.replaceChildren(
      ...rules.map((rule, i) =>
        h(
          'li',
          { class: 'rule', 'data-index': i },
          h('input', {
            type: 'checkbox',
            class: 'rule-enabled',
            'aria-label': 'Enabled',
            checked: rule.enabled,
            onchange: (e: Event) => (rules[i] = { ...rule, enabled: (e.target as HTMLInputElement).checked }),
          }),
          h(
            'span',
            { class: 'rule-text' },
            h('strong', {}, rule.name || `Rule ${i + 1}`),
            ' ',
            summary(rule),
          ),
          h(
            'button',
            { type: 'button', class: 'rule-up', 'aria-label': 'Move up', onclick: () => move(i, -1) },
            '↑',
          ),
          h(
            'button',
            { type: 'button', class: 'rule-down', 'aria-label': 'Move down', onclick: () => move(i, 1) },
            '↓',
          ),
          h('button', { type: 'button', class: 'rule-edit', onclick: () => edit(i) }, 'Edit'),
          h(
            'button',
            { type: 'button', class: 'rule-delete', onclick: () => (rules.splice(i, 1), draw()) },
            'Delete',
          ),
        ),
      ),
    );
    if (rules.length === 0) list.append(h('li', { class: 'empty' }, 'No rules yet.'));
  }

  const rulesTab = h(
    'section',
    { id: 'rules-tab' },
    h('label', { class: 'check' }, filtering, ' Filtering on'),
    list,
    panel,
    h('button', { type: 'button', id: 'rule-add', onclick: () => edit(null) }, 'Add rule'),
  );
  const raw = h('textarea', { id: 'raw-script', spellcheck: 'false', 'aria-label': 'Sieve script' });
  const rawError = h('p', { class: 'error', id: 'raw-error', role: 'alert' });
  const rawTab = h('section', { id: 'raw-tab', hidden: true }, raw, rawError);
  const tab = (name: 'rules' | 'raw') => {
    rulesTab.hidden = name !== 'rules';
    rawTab.hidden = name !== 'raw';
    $('#tab-rules', dialog).setAttribute('aria-selected', String(name === 'rules'));
    $('#tab-raw', dialog).setAttribute('aria-selected', String(name === 'raw'));
    if (name === 'raw')
      void call('/webmail/api/sieve/script').then((s) => ((raw as HTMLTextAreaElement).value = s.content));
  };

  const save = async () => {
    error.textContent = '';
    rawError.textContent = '';
    try {
      if (!rawTab.hidden) {
        await call('/webmail/api/sieve/script', 'PUT', {
          content: (raw as HTMLTextAreaElement).value,
        });
      } else {
        await call('/webmail/api/sieve/rules', 'PUT', { rules });
      }
      const on = (filtering as HTMLInputElement).checked || !rawTab.hidden;
      if (!on) await call('/webmail/api/sieve/active', 'POST', { active: false });
      close();
    } catch (e) {
      const data = ((e as { data?: Obj }).data ?? {}) as Obj;
      if (!rawTab.hidden && typeof data.line === 'number') {
        rawError.textContent = `Line ${data.line}, column ${data.column}: ${data.message}`;
        const ta = raw as HTMLTextAreaElement;
        const lines = ta.value.split('\n');
        const at =
          lines.slice(0, data.line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, data.column - 1);
        ta.focus();
        ta.setSelectionRange(at, at);
      } else (rawTab.hidden ? error : rawError).textContent = (e as Error).message;
    }
  };

  const dialog = h(
    'dialog',
    { id: 'rules', 'aria-label': 'Filter rules' },
    h('h3', {}, 'Filter rules'),
    handEdited
      ? h(
          'p',
          { class: 'notice', id: 'rules-hand-edited' },
          'Your filter script was edited by hand: change it under "Raw script", or save rules here to replace it.',
        )
      : null,
    h(
      'div',
      { class: 'tabs', role: 'tablist' },
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: 'tab-rules',
          'aria-selected': 'true',
          onclick: () => tab('rules'),
        },
        'Rules',
      ),
      h(
        'button',
        { type: 'button', role: 'tab', id: 'tab-raw', 'aria-selected': 'false', onclick: () => tab('raw') },
        'Raw script',
      ),
    ),
    rulesTab,
    rawTab,
    error,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', id: 'rules-close', onclick: close }, 'Close'),
      h('button', { type: 'button', class: 'primary', id: 'rules-save', onclick: () => void save() }, 'Save'),
    ),
  );
  draw();
  document.body.append(dialog);
  (dialog as HTMLDialogElement).showModal();
  if (handEdited) tab('raw');
}
