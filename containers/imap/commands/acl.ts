/**
 * ACL commands (RFC 4314 §3): SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS. SETACL,
 * DELETEACL, GETACL and LISTRIGHTS need "a"; MYRIGHTS any right. A mailbox the user cannot see
 * answers NO [NONEXISTENT] exactly like a missing one (§6). Identifiers are accounts of the
 * owner's domain or "anyone" (that domain only); "-" before one is a negative entry.
 */
import { ALL_RIGHTS, formatRights } from '../../../core/store/mailbox-access';
import { imapString, mailboxName } from '../format/strings';
import { parseMailboxIdentifier, parseMailboxOnly, parseSetAcl } from '../parser/acl-grammar';
import type { ImapSession } from '../session';
import { no, ok, type CommandResult } from '../types';
import { isResult, mailboxAccess, NONEXISTENT, openMailbox, principal } from './access';
import type { AccessibleMailbox } from '../../../core/store/mailbox-access';
import type { Handler } from './context';

/** An identifier as an atom when it can be one (as Dovecot writes them), else quoted. */
const astring = (value: string) =>
  /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5d-\x7a\x7c-\x7e]+$/.test(value) ? value : imapString(value, true);

/** LISTRIGHTS lists every right on its own, in Dovecot's order for this response. */
const LISTRIGHTS_ORDER = 'l r w s t p i e k x a';

const NOT_ADMIN = no('You lack administrator rights on this mailbox', 'NOPERM');
const UNKNOWN_IDENTIFIER = no('No such user in this domain', 'CANNOT');
const OWNER_FIXED = no("The owner's rights cannot be changed", 'CANNOT');

/** The mailbox with the "a" right, or the answer (invisible → NONEXISTENT, visible → NOPERM). */
async function administered(s: ImapSession, name: string): Promise<AccessibleMailbox | CommandResult> {
  const found = await openMailbox(s, name, 'a');
  if (isResult(found)) return found.code === 'NOPERM' ? NOT_ADMIN : found;
  return found;
}

export const setacl: Handler = async (s, { t }) => {
  const args = parseSetAcl(t, s.utf8);
  const found = await administered(s, args.mailbox);
  if (isResult(found)) return found;
  const grantee = await mailboxAccess(s).grantee(found.ownerId, args.identifier);
  if (!grantee) return UNKNOWN_IDENTIFIER;
  if (grantee.self) return OWNER_FIXED;
  await mailboxAccess(s).setAcl(found.mailbox.id, grantee, args.mode, args.rights);
  return ok('SETACL completed');
};

export const deleteacl: Handler = async (s, { t }) => {
  const args = parseMailboxIdentifier(t, s.utf8);
  const found = await administered(s, args.mailbox);
  if (isResult(found)) return found;
  const grantee = await mailboxAccess(s).grantee(found.ownerId, args.identifier);
  if (!grantee) return UNKNOWN_IDENTIFIER;
  if (grantee.self) return OWNER_FIXED;
  await mailboxAccess(s).deleteAcl(found.mailbox.id, grantee);
  return ok('DELETEACL completed');
};

export const getacl: Handler = async (s, { t }) => {
  const name = parseMailboxOnly(t, s.utf8);
  const found = await administered(s, name);
  if (isResult(found)) return found;
  const entries = await mailboxAccess(s).getAcl(found.mailbox);
  const out = ['* ACL ', mailboxName(name, s.utf8)];
  for (const entry of entries) out.push(' ', astring(entry.identifier), ' ', entry.rights);
  s.send(...out, '\r\n');
  return ok('GETACL completed');
};

export const listrights: Handler = async (s, { t }) => {
  const args = parseMailboxIdentifier(t, s.utf8);
  const found = await administered(s, args.mailbox);
  if (isResult(found)) return found;
  const grantee = await mailboxAccess(s).grantee(found.ownerId, args.identifier);
  if (!grantee) return UNKNOWN_IDENTIFIER;
  // The owner always has everything; anyone else can be granted each right on its own.
  const rights = grantee.self ? formatRights(ALL_RIGHTS) : `"" ${LISTRIGHTS_ORDER} c d`;
  s.send('* LISTRIGHTS ', mailboxName(args.mailbox, s.utf8), ' ', astring(args.identifier), ` ${rights}\r\n`);
  return ok('LISTRIGHTS completed');
};

/** MYRIGHTS needs any of l r i k x a (RFC 4314 §4); without one the mailbox is invisible. */
export const myrights: Handler = async (s, { t }) => {
  const name = parseMailboxOnly(t, s.utf8);
  const found = await mailboxAccess(s).resolve(principal(s), name);
  if (!found || !/[lrikxa]/.test(found.rights)) return NONEXISTENT;
  s.send('* MYRIGHTS ', mailboxName(name, s.utf8), ` ${formatRights(found.rights)}\r\n`);
  return ok('MYRIGHTS completed');
};
