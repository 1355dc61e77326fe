/**
 * RFC 4314 §7 grammar: SETACL mailbox identifier mod-rights, DELETEACL / LISTRIGHTS mailbox
 * identifier, GETACL / MYRIGHTS mailbox. Identifiers are astrings (UTF-8); an empty one is BAD
 * (§3). Rights are lower-case letters the server knows; anything else is BAD (§3.1).
 */
import { parseRights } from '../../../core/store/mailbox-access';
import { parseMailbox } from './grammar';
import { ParseError, type Tokenizer } from './tokenizer';

export interface SetAclArgs {
  mailbox: string;
  identifier: string;
  mode: 'set' | 'add' | 'remove';
  rights: string;
}

const MAX_IDENTIFIER = 320;

export function parseIdentifier(t: Tokenizer): string {
  const identifier = t.astring();
  if (identifier === '' || identifier === '-') throw new ParseError('Empty identifier');
  if (identifier.length > MAX_IDENTIFIER) throw new ParseError('Identifier too long');
  // SASLprep would refuse control characters; so do we.
  if (/[\u0000-\u001f\u007f]/.test(identifier)) throw new ParseError('Invalid identifier');
  return identifier;
}

/** mod-rights: an optional "+" or "-" and the rights (RFC 4314 §3.1). */
export function parseModRights(text: string): { mode: SetAclArgs['mode']; rights: string } {
  const mode = text.startsWith('+') ? 'add' : text.startsWith('-') ? 'remove' : 'set';
  const parsed = parseRights(mode === 'set' ? text : text.slice(1));
  if ('invalid' in parsed) throw new ParseError(`Invalid ACL right: ${parsed.invalid}`);
  return { mode, rights: parsed.rights };
}

export function parseSetAcl(t: Tokenizer, utf8: boolean): SetAclArgs {
  t.sp();
  const mailbox = parseMailbox(t, utf8);
  t.sp();
  const identifier = parseIdentifier(t);
  t.sp();
  const { mode, rights } = parseModRights(t.astring());
  t.end();
  return { mailbox, identifier, mode, rights };
}

/** DELETEACL and LISTRIGHTS: mailbox and identifier. */
export function parseMailboxIdentifier(t: Tokenizer, utf8: boolean): { mailbox: string; identifier: string } {
  t.sp();
  const mailbox = parseMailbox(t, utf8);
  t.sp();
  const identifier = parseIdentifier(t);
  t.end();
  return { mailbox, identifier };
}

/** GETACL and MYRIGHTS: just the mailbox. */
export function parseMailboxOnly(t: Tokenizer, utf8: boolean): string {
  t.sp();
  const mailbox = parseMailbox(t, utf8);
  t.end();
  return mailbox;
}
