/// <reference lib="dom" />
/**
 * The rules editor's view of core/sieve/rules (same JSON shapes; the UI bundle does not import
 * core/): types, a one-line summary of a rule, and the folder paths fileinto needs.
 */
import { state } from './client';

export type Condition =
  | { type: 'header'; header: string; match: 'contains' | 'is' | 'matches'; value: string; not: boolean }
  | { type: 'size'; comparator: 'over' | 'under'; bytes: number }
  | { type: 'spam'; isSpam: boolean };
export type Action =
  | { type: 'fileinto'; folder: string; copy: boolean }
  | { type: 'flag'; flag: string }
  | { type: 'redirect'; address: string; copy: boolean }
  | { type: 'reject'; reason: string }
  | { type: 'discard' }
  | { type: 'stop' };
export interface Rule {
  name: string;
  enabled: boolean;
  match: 'all' | 'any';
  conditions: Condition[];
  actions: Action[];
}

export const newRule = (): Rule => ({
  name: '',
  enabled: true,
  match: 'all',
  conditions: [{ type: 'header', header: 'Subject', match: 'contains', value: '', not: false }],
  actions: [{ type: 'fileinto', folder: folderPaths()[0] ?? 'INBOX', copy: false }],
});

/** Every folder's full name (parents joined with "/", as IMAP and fileinto see it). */
export function folderPaths(): string[] {
  const byId = new Map(state.mailboxes.map((m) => [m.id, m]));
  const path = (id: string | null): string => {
    const m = id ? byId.get(id) : undefined;
    if (!m) return '';
    const parent = path(m.parentId);
    return parent ? `${parent}/${m.name}` : m.role === 'inbox' ? 'INBOX' : m.name;
  };
  return state.mailboxes.map((m) => path(m.id));
}

const conditionText = (c: Condition): string => {
  if (c.type === 'size') return `size ${c.comparator} ${Math.round(c.bytes / 1024)} KB`;
  if (c.type === 'spam') return c.isSpam ? 'is spam' : 'is not spam';
  return `${c.header} ${c.not ? 'not ' : ''}${c.match} "${c.value}"`;
};

const actionText = (a: Action): string => {
  switch (a.type) {
    case 'fileinto':
      return `${a.copy ? 'copy' : 'move'} to ${a.folder}`;
    case 'flag':
      return a.flag === '\\Seen' ? 'mark read' : a.flag === '\\Flagged' ? 'flag' : `add keyword ${a.flag}`;
    case 'redirect':
      return `forward to ${a.address}${a.copy ? ' (keep a copy)' : ''}`;
    case 'reject':
      return 'reject';
    default:
      return a.type;
  }
};

export function summary(rule: Rule): string {
  const when =
    rule.conditions.length === 0
      ? 'every message'
      : rule.conditions.map(conditionText).join(rule.match === 'any' ? ' or ' : ' and ');
  return `If ${when}: ${rule.actions.map(actionText).join(', ')}`;
}
