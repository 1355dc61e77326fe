/**
 * The reviewed allowlist of the differential test against Dovecot: every difference between
 * Nimbus and Dovecot 2.3 that the suite accepts, with the reason. `nimbus-gap` entries are
 * Nimbus bugs or missing features nobody has fixed yet — the remaining work; delete an entry
 * when the difference is gone (the suite and the CLI list entries that no longer match).
 *
 * Patterns match the normalised lines (see test/helpers/imap-diff/normalise.ts): a string is a
 * substring, `step` a prefix of the step label (the command up to its first literal).
 */
import type { KnownDifference } from '../../helpers/imap-diff/diff';

const ALL = /./;
const FETCH_MIME = /^fetch-mime-/;

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  // ── everywhere ───────────────────────────────────────────────────────────────────────────
  {
    script: ALL,
    nimbus: '* OK [MAILBOXID (',
    kind: 'dovecot-lacks',
    reason: 'OBJECTID (RFC 8474): Nimbus sends MAILBOXID on SELECT/EXAMINE; Dovecot 2.3 has no OBJECTID',
  },
  {
    script: ALL,
    nimbus: /^TAGGED OK \[MAILBOXID \(/,
    dovecot: /^TAGGED OK$/,
    kind: 'dovecot-lacks',
    reason: 'OBJECTID (RFC 8474): CREATE answers OK [MAILBOXID (…)]',
  },
  {
    script: ALL,
    nimbus: /^TAGGED OK$/,
    dovecot: 'TAGGED OK [CLIENTBUG]',
    kind: 'rfc-allows-both',
    reason: 'Dovecot flags STATUS of the selected mailbox with OK [CLIENTBUG] (RFC 5530, informational only)',
  },
  {
    script: ALL,
    nimbus: /^TAGGED NO \[[A-Z-]+\]$/,
    dovecot: /^TAGGED NO$/,
    kind: 'rfc-allows-both',
    reason: 'response codes are optional (RFC 5530): Nimbus names the reason (NONEXISTENT, CANNOT, …) where Dovecot 2.3 sends none',
  },
  {
    script: ALL,
    nimbus: /^TAGGED NO \[BADCHARSET \(/,
    dovecot: 'TAGGED NO [BADCHARSET]',
    kind: 'rfc-allows-both',
    reason: 'BADCHARSET may list the supported charsets (RFC 9051 §7.1); Nimbus does',
  },
];
