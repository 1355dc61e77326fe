/** Every command and test the engine knows, by name. */
import { actionCommands } from './commands/actions';
import { controlCommands } from './commands/control';
import { editheaderCommands } from './commands/editheader';
import { flagCommands } from './commands/imap4flags';
import { includeCommands } from './commands/include';
import { rejectCommands } from './commands/reject';
import { setCommands } from './commands/set';
import { vacationCommands } from './commands/vacation';
import type { Spec } from './spec';
import { bodyTests } from './tests/body';
import { coreTests } from './tests/core';
import { dateTests } from './tests/date';
import { duplicateTests } from './tests/duplicate';
import { envelopeTests } from './tests/envelope';
import { hasflagTests } from './tests/hasflag';
import { headerTests } from './tests/header';
import { mailboxTests } from './tests/mailbox';
import { spamTests } from './tests/spamtest';
import { stringTests } from './tests/string';

function byName(specs: Spec[]): ReadonlyMap<string, Spec> {
  return new Map(specs.map((s) => [s.name, s]));
}

export const COMMANDS = byName([
  ...controlCommands,
  ...actionCommands,
  ...rejectCommands,
  ...flagCommands,
  ...setCommands,
  ...vacationCommands,
  ...editheaderCommands,
  ...includeCommands,
]);

export const TESTS = byName([
  ...coreTests,
  ...headerTests,
  ...envelopeTests,
  ...bodyTests,
  ...dateTests,
  ...mailboxTests,
  ...duplicateTests,
  ...spamTests,
  ...stringTests,
  ...hasflagTests,
]);

/** The SIEVE capability: every extension a script may require. */
export const SIEVE_EXTENSIONS: readonly string[] = Object.freeze([
  'fileinto',
  'reject',
  'ereject',
  'envelope',
  'encoded-character',
  'imap4flags',
  'copy',
  'body',
  'variables',
  'vacation',
  'vacation-seconds',
  'relational',
  'subaddress',
  'date',
  'index',
  'editheader',
  'mailbox',
  'mailboxid',
  'include',
  'duplicate',
  'spamtest',
  'spamtestplus',
  'virustest',
  'comparator-i;ascii-numeric',
]);

/** What `require` accepts: the capability plus the two comparators every script has. */
export const REQUIRABLE: ReadonlySet<string> = new Set([
  ...SIEVE_EXTENSIONS,
  'comparator-i;octet',
  'comparator-i;ascii-casemap',
]);

/** Extensions that bring another with them (RFC 6131 §2, RFC 5235 §3.2). */
export const IMPLIED: Readonly<Record<string, string>> = {
  'vacation-seconds': 'vacation',
  spamtestplus: 'spamtest',
};
