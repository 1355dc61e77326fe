/** CREATE (CREATE-SPECIAL-USE), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE. */
import { canonicalSpecialUse } from '../../../core/store/mailbox-admin';
import { parseMailbox } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import { no, ok, type CommandResult } from '../types';
import type { Handler } from './context';

const REASONS: Record<string, CommandResult> = {
  exists: no('Mailbox already exists', 'ALREADYEXISTS'),
  nonexistent: no('Mailbox does not exist', 'NONEXISTENT'),
  inbox: no('INBOX cannot be deleted', 'CANNOT'),
  'has-children': no('Mailbox has children; delete them first', 'HASCHILDREN'),
  invalid: no('Invalid mailbox name', 'CANNOT'),
};

export const create: Handler = async (s, { t }) => {
  t.sp();
  let name = parseMailbox(t, s.utf8);
  const uses: string[] = [];
  if (!t.atEnd) {
    t.sp();
    t.list(() => {
      const param = t.atom().toUpperCase();
      if (param !== 'USE') throw new ParseError(`Unknown CREATE parameter ${param}`);
      t.sp();
      t.list(() => {
        t.expect('\\');
        uses.push('\\' + t.atom());
      });
    });
  }
  t.end();
  if (name.endsWith('/')) name = name.replace(/\/+$/, '');
  if (name === 'INBOX') return REASONS.exists;
  const canonical: string[] = [];
  for (const use of uses) {
    const c = canonicalSpecialUse(use);
    if (!c) return no(`Unsupported special-use attribute ${use}`, 'USEATTR');
    canonical.push(c);
  }
  const result = await s.services.admin.create(s.account!.id, name, canonical);
  if (!result.ok) return REASONS[result.reason];
  return ok('CREATE completed');
};

export const del: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  const selected = s.selected?.mailbox.name === name;
  const result = await s.services.admin.delete(s.account!.id, name);
  if (!result.ok) return REASONS[result.reason];
  if (selected) s.deselect();
  return ok('DELETE completed');
};

export const rename: Handler = async (s, { t }) => {
  t.sp();
  const from = parseMailbox(t, s.utf8);
  t.sp();
  const to = parseMailbox(t, s.utf8).replace(/\/+$/, '');
  t.end();
  const result = await s.services.admin.rename(s.account!.id, from, to);
  if (!result.ok) return REASONS[result.reason];
  if (s.selected && s.selected.mailbox.name === from && from !== 'INBOX') {
    s.selected.mailbox.name = to;
  }
  return ok('RENAME completed');
};

export const subscribe: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  await s.services.admin.subscribe(s.account!.id, name);
  return ok('SUBSCRIBE completed');
};

export const unsubscribe: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  await s.services.admin.unsubscribe(s.account!.id, name);
  return ok('UNSUBSCRIBE completed');
};
