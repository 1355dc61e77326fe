/**
 * Rights checks for IMAP commands (RFC 4314 §4), on top of core/store/mailbox-access.ts: a
 * mailbox the user may not see answers exactly like a missing one; a visible one without the
 * needed right answers NO [NOPERM]. The rights of the selected mailbox are taken when it is
 * selected (RFC 4314 §5.1.1 allows caching them until it is selected again).
 */
import {
  ALL_RIGHTS,
  hasRights,
  MailboxAccess,
  type AccessibleMailbox,
  type Principal,
} from '../../../core/store/mailbox-access';
import type { FlagRights } from '../../../core/store/copy-move';
import type { SelectedMailbox } from '../selected';
import type { ImapSession } from '../session';
import type { ImapServices } from '../services';
import { no, ok, type CommandResult } from '../types';

export const NONEXISTENT = no('Mailbox does not exist', 'NONEXISTENT');
export const TRYCREATE = no('Mailbox does not exist', 'TRYCREATE');
export const NOPERM = no('Permission denied', 'NOPERM');

const accessBy = new WeakMap<ImapServices, MailboxAccess>();
const rightsBy = new WeakMap<SelectedMailbox, string>();

export function mailboxAccess(s: ImapSession): MailboxAccess {
  let access = accessBy.get(s.services);
  if (!access) {
    access = new MailboxAccess(s.services.deps.db);
    accessBy.set(s.services, access);
  }
  return access;
}

export const principal = (s: ImapSession): Principal => ({
  id: s.account!.id,
  domainId: s.account!.domainId,
});

/**
 * The mailbox `name` if the user has every right in `need`; else the answer to send:
 * `missing` when it does not exist or is invisible (no "l"), NOPERM when it is visible.
 */
export async function openMailbox(
  s: ImapSession,
  name: string,
  need: string,
  missing: CommandResult = NONEXISTENT,
): Promise<AccessibleMailbox | CommandResult> {
  const found = await mailboxAccess(s).resolve(principal(s), name);
  if (!found) return missing;
  if (hasRights(found.rights, need)) return found;
  return found.rights.includes('l') ? NOPERM : missing;
}

export const isResult = (value: AccessibleMailbox | CommandResult): value is CommandResult =>
  'status' in value;

/** Remembers the rights of a newly selected mailbox and follows its owner's change events. */
export function selectedWith(s: ImapSession, selected: SelectedMailbox, found: AccessibleMailbox): void {
  rightsBy.set(selected, found.rights);
  s.watchOwner(found.ownerId);
}

export const selectedRights = (selected: SelectedMailbox): string => rightsBy.get(selected) ?? ALL_RIGHTS;

export const selectedHas = (selected: SelectedMailbox, right: string): boolean =>
  selectedRights(selected).includes(right);

export const flagRights = (rights: string): FlagRights => ({
  seen: rights.includes('s'),
  deleted: rights.includes('t'),
  other: rights.includes('w'),
});

/** Whether `rights` allow setting or clearing `flag` (\Seen: s, \Deleted: t, others and \*: w). */
export function mayChangeFlag(rights: string, flag: string): boolean {
  const lower = flag.toLowerCase();
  if (lower === '\\seen') return rights.includes('s');
  if (lower === '\\deleted') return rights.includes('t');
  return rights.includes('w');
}

/** The flags of a list (FLAGS, PERMANENTFLAGS, APPEND) the rights allow. */
export const permittedFlags = (rights: string, flags: string[]): string[] =>
  flags.filter((f) => mayChangeFlag(rights, f));

/**
 * STORE on the selected mailbox: the flags it may change, or the answer when it may change
 * none of those named: OK without a change, as Dovecot answers, since clients handle a NO to
 * STORE badly (RFC 4314 §4). A replacing STORE keeps the flags the user may not change
 * (`fixedFlags`).
 */
export function storableFlags(
  selected: SelectedMailbox,
  op: 'add' | 'remove' | 'replace',
  flags: string[],
): string[] | CommandResult {
  const rights = selectedRights(selected);
  const allowed = permittedFlags(rights, flags);
  if (op === 'replace') return allowed;
  return allowed.length === 0 && flags.length > 0
    ? ok('STORE completed (no flag may be changed here)')
    : allowed;
}

/** The flags a replacing STORE must leave alone on the selected mailbox (none with s, t and w). */
export function fixedFlags(selected: SelectedMailbox): ((flag: string) => boolean) | undefined {
  const rights = selectedRights(selected);
  if (hasRights(rights, 'stw')) return undefined;
  return (flag) => !mayChangeFlag(rights, flag);
}
