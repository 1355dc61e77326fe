/**
 * Validation of list settings given by an administrator (admin API, CLI): unknown values are a
 * clear 'invalid' error, never a database constraint failure.
 */
import { AdminError } from '../admin/admin-error';
import type { ListChanges } from './list-store';

const POLICIES = ['accept', 'hold', 'reject', 'discard'] as const;

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new AdminError('invalid', `${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function text(name: string, value: unknown, max: number, nullable = false): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || value.length > max || /[\0]/.test(value))
    throw new AdminError('invalid', `${name} must be text of at most ${max} characters`);
  return value;
}

/** Settings of a list from untrusted input (only the fields given). */
export function parseListChanges(input: Record<string, unknown>): ListChanges {
  const changes: ListChanges = {};
  const set = <K extends keyof ListChanges>(key: K, value: ListChanges[K] | undefined) => {
    if (value !== undefined) changes[key] = value;
  };
  const name = text('name', input.name, 200);
  if (name !== undefined) set('name', name ?? undefined);
  const description = text('description', input.description, 2000);
  if (description !== undefined) set('description', description ?? '');
  const prefix = text('subjectPrefix', input.subjectPrefix, 100, true);
  if (prefix !== undefined && prefix !== null && /[\r\n]/.test(prefix))
    throw new AdminError('invalid', 'subjectPrefix must be one line');
  set('subjectPrefix', prefix);
  set('footer', text('footer', input.footer, 4000, true));
  set(
    'dmarcMitigation',
    oneOf('dmarcMitigation', input.dmarcMitigation, ['munge-from', 'wrap', 'none'] as const),
  );
  set(
    'archiveVisibility',
    oneOf('archiveVisibility', input.archiveVisibility, ['members', 'public', 'none'] as const),
  );
  if (input.digestSchedule === null || input.digestSchedule === 'none') set('digestSchedule', null);
  else
    set(
      'digestSchedule',
      oneOf('digestSchedule', input.digestSchedule, ['daily', 'weekly', 'monthly'] as const),
    );
  set('replyTo', oneOf('replyTo', input.replyTo, ['author', 'list'] as const));
  set('memberPolicy', oneOf('memberPolicy', input.memberPolicy, POLICIES));
  set('moderatedPolicy', oneOf('moderatedPolicy', input.moderatedPolicy, POLICIES));
  set('nonMemberPolicy', oneOf('nonMemberPolicy', input.nonMemberPolicy, POLICIES));
  if (input.maxPostBytes !== undefined) {
    const n = input.maxPostBytes === null ? null : Number(input.maxPostBytes);
    if (n !== null && (!Number.isInteger(n) || n < 1024 || n > 1024 ** 3))
      throw new AdminError('invalid', 'maxPostBytes must be an integer from 1024 to 1 GiB, or null');
    set('maxPostBytes', n);
  }
  return changes;
}

/** A list of addresses or allow-list patterns from untrusted input. */
export function addressList(name: string, value: unknown, pattern = false): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.length > 1000 || items.some((v) => typeof v !== 'string'))
    throw new AdminError('invalid', `${name} must be a list of addresses`);
  const out = (items as string[]).map((v) => v.trim().toLowerCase()).filter(Boolean);
  const ok = pattern ? /^(\*?@[^\s@]+|[^\s@]+@[^\s@]+)$/ : /^[^\s@<>]+@[^\s@<>]+$/;
  const bad = out.find((v) => !ok.test(v));
  if (bad)
    throw new AdminError(
      'invalid',
      `${name}: "${bad}" is not ${pattern ? 'an address or *@domain' : 'an address'}`,
    );
  return out;
}
