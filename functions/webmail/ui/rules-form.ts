/// <reference lib="dom" />
/** The rule form of the rules editor: name, all/any, condition rows and action rows. */
import { h } from './dom';
import { folderPaths, type Action, type Condition, type Rule } from './rules-model';

const FIELDS = ['From', 'To', 'Subject'];
const OPS = ['contains', 'is', 'matches', 'not contains', 'not is', 'not matches'];
const ACTIONS: [string, string][] = [
  ['move', 'Move to folder'],
  ['copy', 'Copy to folder'],
  ['flag', 'Flag'],
  ['read', 'Mark read'],
  ['keyword', 'Add keyword'],
  ['forward', 'Forward'],
  ['forward-copy', 'Forward, keep a copy'],
  ['reject', 'Reject with text'],
  ['discard', 'Delete (discard)'],
  ['stop', 'Stop processing rules'],
];

const options = (list: [string, string][], selected: string) =>
  list.map(([value, label]) => h('option', { value, selected: value === selected }, label));
const val = (row: Element, sel: string) => (row.querySelector(sel) as HTMLInputElement | null)?.value ?? '';

function conditionRow(c: Condition): HTMLElement {
  const kind = c.type === 'header' ? (FIELDS.includes(c.header) ? c.header : 'header') : c.type;
  const row = h('div', { class: 'row cond' });
  const draw = (k: string) => {
    const field = h(
      'select',
      { class: 'cond-field', 'aria-label': 'Field' },
      ...options(
        [
          ...FIELDS.map((f): [string, string] => [f, f]),
          ['header', 'Other header'],
          ['size', 'Size'],
          ['spam', 'Spam'],
        ],
        k,
      ),
    );
    field.addEventListener('change', () => draw((field as HTMLSelectElement).value));
    const header = c.type === 'header' ? c : { header: '', match: 'contains', value: '', not: false };
    const parts: HTMLElement[] = [field];
    if (k === 'header')
      parts.push(
        h('input', {
          type: 'text',
          class: 'cond-header',
          'aria-label': 'Header name',
          value: FIELDS.includes(header.header) ? '' : header.header,
        }),
      );
    if (k === 'size')
      parts.push(
        h(
          'select',
          { class: 'cond-size-op', 'aria-label': 'Over or under' },
          ...options(
            [
              ['over', 'over'],
              ['under', 'under'],
            ],
            c.type === 'size' ? c.comparator : 'over',
          ),
        ),
        h('input', {
          type: 'number',
          min: '0',
          class: 'cond-kb',
          'aria-label': 'Kilobytes',
          value: c.type === 'size' ? String(Math.round(c.bytes / 1024)) : '1024',
        }),
        h('span', {}, 'KB'),
      );
    else if (k === 'spam')
      parts.push(
        h(
          'select',
          { class: 'cond-spam', 'aria-label': 'Spam verdict' },
          ...options(
            [
              ['yes', 'is spam'],
              ['no', 'is not spam'],
            ],
            c.type === 'spam' && !c.isSpam ? 'no' : 'yes',
          ),
        ),
      );
    else
      parts.push(
        h(
          'select',
          { class: 'cond-op', 'aria-label': 'Comparison' },
          ...options(
            OPS.map((o): [string, string] => [o, o]),
            `${header.not ? 'not ' : ''}${header.match}`,
          ),
        ),
        h('input', { type: 'text', class: 'cond-value', 'aria-label': 'Value', value: header.value }),
      );
    parts.push(
      h(
        'button',
        {
          type: 'button',
          class: 'cond-remove',
          'aria-label': 'Remove condition',
          onclick: () => row.remove(),
        },
        '×',
      ),
    );
    row.replaceChildren(...parts);
  };
  draw(kind);
  return row;
}

function readCondition(row: Element): Condition {
  const field = val(row, '.cond-field');
  if (field === 'size')
    return {
      type: 'size',
      comparator: val(row, '.cond-size-op') === 'under' ? 'under' : 'over',
      bytes: Math.max(0, Math.round(Number(val(row, '.cond-kb')) || 0)) * 1024,
    };
  if (field === 'spam') return { type: 'spam', isSpam: val(row, '.cond-spam') !== 'no' };
  const op = val(row, '.cond-op');
  return {
    type: 'header',
    header: field === 'header' ? val(row, '.cond-header').trim() : field,
    match: op.replace('not ', '') as 'contains' | 'is' | 'matches',
    value: val(row, '.cond-value'),
    not: op.startsWith('not '),
  };
}

function actionKind(a: Action): string {
  switch (a.type) {
    case 'fileinto':
      return a.copy ? 'copy' : 'move';
    case 'flag':
      return a.flag === '\\Flagged' ? 'flag' : a.flag === '\\Seen' ? 'read' : 'keyword';
    case 'redirect':
      return a.copy ? 'forward-copy' : 'forward';
    default:
      return a.type;
  }
}

function actionRow(a: Action): HTMLElement {
  const row = h('div', { class: 'row act' });
  const draw = (k: string) => {
    const kind = h('select', { class: 'act-type', 'aria-label': 'Action' }, ...options(ACTIONS, k));
    kind.addEventListener('change', () => draw((kind as HTMLSelectElement).value));
    const parts: HTMLElement[] = [kind];
    if (k === 'move' || k === 'copy') {
      const current = a.type === 'fileinto' ? a.folder : '';
      const folders = folderPaths();
      if (current && !folders.includes(current)) folders.push(current);
      parts.push(
        h(
          'select',
          { class: 'act-folder', 'aria-label': 'Folder' },
          ...options(
            folders.map((f): [string, string] => [f, f]),
            current,
          ),
        ),
      );
    }
    if (k === 'keyword')
      parts.push(
        h('input', {
          type: 'text',
          class: 'act-arg',
          'aria-label': 'Keyword',
          value: a.type === 'flag' ? a.flag : '',
        }),
      );
    if (k === 'forward' || k === 'forward-copy')
      parts.push(
        h('input', {
          type: 'email',
          class: 'act-arg',
          'aria-label': 'Forward to',
          value: a.type === 'redirect' ? a.address : '',
        }),
      );
    if (k === 'reject')
      parts.push(
        h('input', {
          type: 'text',
          class: 'act-arg',
          'aria-label': 'Reject text',
          value: a.type === 'reject' ? a.reason : '',
        }),
      );
    parts.push(
      h(
        'button',
        { type: 'button', class: 'act-remove', 'aria-label': 'Remove action', onclick: () => row.remove() },
        '×',
      ),
    );
    row.replaceChildren(...parts);
  };
  draw(actionKind(a));
  return row;
}

function readAction(row: Element): Action {
  const arg = val(row, '.act-arg').trim();
  switch (val(row, '.act-type')) {
    case 'move':
    case 'copy':
      return { type: 'fileinto', folder: val(row, '.act-folder'), copy: val(row, '.act-type') === 'copy' };
    case 'flag':
      return { type: 'flag', flag: '\\Flagged' };
    case 'read':
      return { type: 'flag', flag: '\\Seen' };
    case 'keyword':
      return { type: 'flag', flag: arg };
    case 'forward':
    case 'forward-copy':
      return { type: 'redirect', address: arg, copy: val(row, '.act-type') === 'forward-copy' };
    case 'reject':
      return { type: 'reject', reason: arg };
    case 'discard':
      return { type: 'discard' };
    default:
      return { type: 'stop' };
  }
}

/** A form for one rule; `done` gets the edited rule, `cancel` drops the edit. */
export function ruleForm(rule: Rule, done: (rule: Rule) => void, cancel: () => void): HTMLElement {
  const conditions = h('div', { id: 'rule-conditions' }, ...rule.conditions.map(conditionRow));
  const actions = h('div', { id: 'rule-actions' }, ...rule.actions.map(actionRow));
  const form = h(
    'section',
    { id: 'rule-form', 'aria-label': 'Edit rule' },
    h('label', { for: 'rule-name' }, 'Rule name'),
    h('input', { id: 'rule-name', type: 'text', value: rule.name }),
    h(
      'label',
      { for: 'rule-match' },
      'Apply when ',
      h(
        'select',
        { id: 'rule-match' },
        ...options(
          [
            ['all', 'all conditions match'],
            ['any', 'any condition matches'],
          ],
          rule.match,
        ),
      ),
    ),
    conditions,
    h(
      'button',
      {
        type: 'button',
        id: 'rule-add-condition',
        onclick: () =>
          conditions.append(
            conditionRow({ type: 'header', header: 'Subject', match: 'contains', value: '', not: false }),
          ),
      },
      'Add condition',
    ),
    h('h4', {}, 'Then'),
    actions,
    h(
      'button',
      {
        type: 'button',
        id: 'rule-add-action',
        onclick: () => actions.append(actionRow({ type: 'flag', flag: '\\Flagged' })),
      },
      'Add action',
    ),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', id: 'rule-cancel', onclick: cancel }, 'Cancel'),
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: 'rule-done',
          onclick: () =>
            done({
              name: (form.querySelector('#rule-name') as HTMLInputElement).value,
              enabled: rule.enabled,
              match: (form.querySelector('#rule-match') as HTMLSelectElement).value === 'any' ? 'any' : 'all',
              conditions: Array.from(conditions.querySelectorAll('.cond')).map(readCondition),
              actions: Array.from(actions.querySelectorAll('.act')).map(readAction),
            }),
        },
        'Done',
      ),
    ),
  );
  return form;
}
