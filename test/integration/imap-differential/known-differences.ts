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
    reason:
      'response codes are optional (RFC 5530): Nimbus names the reason (NONEXISTENT, CANNOT, …) where Dovecot 2.3 sends none',
  },
  {
    script: ALL,
    nimbus: /^TAGGED NO \[BADCHARSET \(/,
    dovecot: 'TAGGED NO [BADCHARSET]',
    kind: 'rfc-allows-both',
    reason: 'BADCHARSET may list the supported charsets (RFC 9051 §7.1); Nimbus does',
  },
];

const RECENT_AFTER_EXPUNGE: KnownDifference = {
  script: ALL,
  step: /EXPUNGE|MOVE|NOOP|DONE|CLOSE|moved a message away/,
  dovecot: /^\* \d+ RECENT$/,
  kind: 'rfc-allows-both',
  reason: 'Dovecot re-announces the RECENT count after expunges; the count is implied (RFC 3501 §7.3.2)',
};

/** Differences of one script or step, listed by area. */
KNOWN_DIFFERENCES.push(
  RECENT_AFTER_EXPUNGE,
  // ── CAPABILITY ────────────────────────────────────────────────────────────────────────────
  ...[
    ['IMAP4REV2', 'dovecot-lacks', 'IMAP4rev2 (RFC 9051): Dovecot 2.3 is IMAP4rev1 only'],
    ['STARTTLS', 'environment', 'the Dovecot peer runs with ssl = no'],
    ['AUTH=LOGIN', 'out-of-scope', 'SASL LOGIN (non-standard); Nimbus offers PLAIN'],
    ['LOGIN-REFERRALS', 'out-of-scope', 'RFC 2221 login referrals'],
    ['I18NLEVEL=1', 'out-of-scope', 'RFC 5255 comparator levels'],
    ['SNIPPET=FUZZY', 'out-of-scope', 'a pre-RFC 8970 draft of PREVIEW'],
    ['PREVIEW=FUZZY', 'out-of-scope', 'a pre-RFC 8970 draft of PREVIEW'],
    ['THREAD=REFS', 'out-of-scope', 'a Dovecot-specific threading algorithm'],
    ['APPENDLIMIT=', 'dovecot-lacks', 'APPENDLIMIT (RFC 7889)'],
    ['CONTEXT=SORT', 'dovecot-lacks', 'CONTEXT=SORT (RFC 5267); Dovecot has CONTEXT=SEARCH only'],
    ['CREATE-SPECIAL-USE', 'dovecot-lacks', 'CREATE-SPECIAL-USE (RFC 6154 §3)'],
    ['LIST-MYRIGHTS', 'dovecot-lacks', 'LIST-MYRIGHTS (RFC 8440)'],
    ['METADATA-SERVER', 'dovecot-lacks', 'Dovecot 2.3 advertises METADATA only'],
    ['LIST-METADATA', 'dovecot-lacks', 'LIST-METADATA (RFC 9590)'],
    ['OBJECTID', 'dovecot-lacks', 'OBJECTID (RFC 8474)'],
    ['PARTIAL', 'dovecot-lacks', 'PARTIAL (RFC 9394)'],
    ['QUOTA=RES-STORAGE', 'dovecot-lacks', 'Dovecot 2.3 predates RFC 9208 resource capabilities'],
    ['REPLACE', 'dovecot-lacks', 'REPLACE (RFC 8508)'],
    ['UIDONLY', 'dovecot-lacks', 'UIDONLY (RFC 9586)'],
    ['URLAUTH', 'environment', 'URLAUTH needs the imap-urlauth services, not configured in the peer'],
    ['UTF8=ACCEPT', 'dovecot-lacks', 'UTF8=ACCEPT (RFC 6855)'],
  ].map(([cap, kind, reason]): KnownDifference => ({
    script: 'capabilities',
    line: new RegExp(
      `^\\* CAPABILITY ${cap.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${cap.endsWith('=') ? '' : '$'}`,
    ),
    kind: kind as KnownDifference['kind'],
    reason: `${cap.replace(/=$/, '')} — ${reason}`,
  })),

  // ── mailboxes ─────────────────────────────────────────────────────────────────────────────
  {
    script: 'mailbox-hierarchy',
    kind: 'rfc-allows-both',
    reason:
      'CREATE a/b/c: Nimbus creates the superiors as real mailboxes (RFC 3501 §6.3.3 "SHOULD create"), Dovecot leaves them \\Noselect, so later CREATE/RENAME onto them differ too',
  },
  {
    script: /^(mailbox-delete-parent|list-status)$/,
    step: /DELETE Parent|LIST-STATUS of an implicit superior/,
    kind: 'rfc-allows-both',
    reason:
      'a mailbox with inferiors: Nimbus refuses DELETE ([HASCHILDREN], RFC 9051 §6.3.4) / has real superiors, Dovecot turns it into \\Noselect',
  },
  {
    script: 'mailbox-errors',
    step: 'CREATE INBOX',
    kind: 'dovecot-deviates',
    reason: 'Dovecot answers OK to CREATE INBOX (RFC 3501 §6.3.3: it is an error)',
  },
  {
    script: 'mailbox-errors',
    step: 'CREATE Drafts',
    kind: 'environment',
    reason: 'the peer auto-creates Drafts lazily (auto = create), so CREATE of it succeeds',
  },
  {
    script: 'subscriptions',
    step: /SUBSCRIBE Gone|LSUB|LIST \(SUBSCRIBED\)/,
    kind: 'rfc-allows-both',
    reason:
      'SUBSCRIBE of a mailbox that does not exist: allowed (Nimbus) or refused (Dovecot) by RFC 3501 §6.3.6',
  },
  {
    script: 'list-patterns',
    step: 'LIST "" "In%"',
    kind: 'dovecot-deviates',
    reason:
      'RFC 3501 §6.3.8 matches the uppercase string "INBOX" against the pattern: In% does not match; Dovecot matches case-insensitively',
  },
  {
    script: 'list-extended',
    step: 'LIST "" "%" RETURN (SUBSCRIBED)',
    kind: 'dovecot-deviates',
    reason:
      'Dovecot omits \\Subscribed for the auto-created special-use mailboxes under RETURN (SUBSCRIBED) while LSUB lists them',
  },
  {
    script: 'list-special-use',
    step: /CREATE Weird|LIST \(SPECIAL-USE\)/,
    kind: 'dovecot-lacks',
    reason:
      'CREATE-SPECIAL-USE: Dovecot ignores the USE list ([USEATTR] and the new \\Trash mailbox are Nimbus only)',
  },

  // ── APPEND / STORE flags ──────────────────────────────────────────────────────────────────
  {
    script: /^(append-bad|store-flags)$/,
    step: /APPEND with \\Recent|STATUS INBOX \(MESSAGES\)|STORE 1 \+FLAGS \(\\Recent\)/,
    kind: 'rfc-allows-both',
    reason:
      '\\Recent parses as a flag-extension but clients cannot set it (RFC 3501 §2.3.2): Nimbus ignores it, Dovecot answers BAD (so one more message is stored)',
  },
  {
    script: 'store-flags',
    step: 'EXAMINE INBOX',
    line: /^\* FLAGS /,
    kind: 'rfc-allows-both',
    reason: 'a keyword no message carries any more: kept in FLAGS (Dovecot) or dropped (Nimbus)',
  },
  {
    script: /^(store-flags|expunge)$/,
    step: /STORE in a read-only mailbox|EXPUNGE in a read-only mailbox/,
    kind: 'rfc-allows-both',
    reason: 'EXAMINE: Nimbus refuses changes with NO [READ-ONLY], Dovecot answers OK and changes nothing',
  },
  {
    script: 'move',
    step: 'MOVE in a read-only mailbox',
    kind: 'dovecot-deviates',
    reason:
      'Dovecot moves messages out of a mailbox opened with EXAMINE (RFC 3501 §6.3.2: no changes permitted)',
  },

  // ── FETCH on the MIME corpus ──────────────────────────────────────────────────────────────
  {
    script: FETCH_MIME,
    step: /^FETCH 1 BODY\.PEEK\[(1\.1|2\.1|1\.1\.MIME|2\.1\.1)\]$/,
    nimbus: /\] ""\)$/,
    dovecot: /^\* 1 FETCH \(BODY\[/,
    kind: 'rfc-allows-both',
    reason:
      'section n.1 of a leaf part does not exist (RFC 3501 §6.4.5 gives part 1 only to a non-multipart message): Nimbus sends "", Dovecot the leaf itself',
  },
  {
    script: 'fetch-mime-garbage-addresses',
    step: 'FETCH 1 (RFC822.SIZE ENVELOPE)',
    kind: 'rfc-allows-both',
    reason:
      "how to repair unparsable addresses is the server's choice (RFC 3501 §7.4.2); Dovecot uses MISSING_MAILBOX/SYNTAX_ERROR",
  },
  {
    script: /^fetch-mime-(missing-boundary-param|no-separator|part-without-headers)$/,
    kind: 'rfc-allows-both',
    reason:
      'malformed MIME (no boundary / no blank line after the header): Nimbus takes the RFC 2045 §5.2 text/plain default and ends the header at the first non-header line; Dovecot keeps an empty multipart / a header-only message',
  },
  {
    script: /^fetch-mime-(nested-rfc822|prefix-boundary)$/,
    kind: 'dovecot-deviates',
    reason:
      'the CRLF before a boundary delimiter belongs to the delimiter (RFC 2046 §5.1.1): Dovecot counts it into a nested multipart that ends right before the outer delimiter',
  },
  {
    script: 'fetch-mime-mixed-attachments',
    step: /^FETCH 1 (BODYSTRUCTURE|BODY)$/,
    kind: 'rfc-allows-both',
    reason:
      "RFC 2231 parameters: Nimbus decodes name*=utf-8''… into UTF-8 (RFC 9051 §7.5.2 suggests decoding), Dovecot passes them through",
  },
  {
    script: 'fetch-mime-mixed-attachments',
    step: 'FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])',
    kind: 'dovecot-deviates',
    reason:
      'Dovecot reports BINARY.SIZE 18446744073709551615 ((uint64)-1) for a base64 part that decodes to 3 bytes',
  },
  {
    script: FETCH_MIME,
    step: 'FETCH 1 BINARY.PEEK[]',
    kind: 'rfc-allows-both',
    reason:
      'BINARY[] of a whole multipart message: Nimbus sends it unchanged (the top-level CTE is 7bit), Dovecot also decodes every part and rewrites their headers',
  },
  {
    script: 'fetch-binary',
    step: /FETCH 1 \(BINARY\.SIZE\[1\] BINARY\.SIZE\[2\]\)|BINARY of an unknown transfer encoding/,
    kind: 'dovecot-deviates',
    reason:
      'Dovecot refuses BINARY.SIZE of every part with NO [UNKNOWN-CTE] once one sibling has an unknown encoding, and sends a lone FETCH (UID) with it',
  },
  {
    script: 'fetch-binary',
    step: 'FETCH 1 BINARY.PEEK[1.MIME]',
    kind: 'dovecot-deviates',
    reason: 'section-binary has no MIME/HEADER/TEXT (RFC 3516 §4.2): BAD, Dovecot answers OK',
  },
  {
    script: 'fetch-binary',
    step: 'APPEND of a NUL in a plain literal',
    kind: 'dovecot-deviates',
    reason:
      'a literal is CHAR8 without NUL (RFC 3501 §9); NUL needs literal8 (RFC 3516): Nimbus BAD, Dovecot stores it',
  },
  {
    script: 'fetch-errors',
    step: 'FETCH 1 BODY[]<0.0>',
    kind: 'dovecot-deviates',
    reason:
      'the partial length is an nz-number (RFC 3501 §9): Nimbus BAD, Dovecot sends "" (and sets \\Seen)',
  },

  // ── SEARCH / SORT / THREAD ────────────────────────────────────────────────────────────────
  {
    script: /^(search-keys|esearch|searchres)$/,
    step: /KEYWORD \$Missing/,
    dovecot: /FLAGS \(/,
    kind: 'rfc-allows-both',
    reason: 'Dovecot registers a keyword that a SEARCH names and announces it in FLAGS/PERMANENTFLAGS',
  },
  {
    script: 'thread',
    step: 'THREAD REFS',
    kind: 'out-of-scope',
    reason: 'THREAD=REFS is a Dovecot-specific algorithm',
  },

  // ── CONDSTORE / QRESYNC, sessions ─────────────────────────────────────────────────────────
  {
    script: 'two-sessions-condstore',
    step: 'UNCHANGEDSINCE after another session changed it',
    nimbus: / UID 1\)$/,
    dovecot: /^\* 1 FETCH \(FLAGS/,
    kind: 'rfc-allows-both',
    reason:
      'the FETCH that comes with [MODIFIED]: Nimbus adds the UID, Dovecot does not (extra items are allowed)',
  },
  {
    script: 'two-sessions-expunge',
    step: 'FETCH of a message another session expunged',
    dovecot: /^\* 2 FETCH \(FLAGS \(\\Deleted \\Recent\)\)$/,
    kind: 'rfc-allows-both',
    reason:
      'both still serve the expunged message; Dovecot sends its FETCH twice (the pending flag update, then the answer), Nimbus once',
  },
  {
    script: 'two-sessions-expunge',
    step: /STORE while an expunge is pending|SEARCH while an expunge is pending/,
    kind: 'rfc-allows-both',
    reason:
      'a message expunged elsewhere but not yet reported: STORE may change nothing and SEARCH may leave it out (RFC 9051 §7.5.1)',
  },
  {
    script: /^(two-sessions-flags|recent)$/,
    nimbus: /^\* 3 RECENT$/,
    kind: 'rfc-allows-both',
    reason:
      'Nimbus repeats an unchanged RECENT count with EXISTS (the new message is recent in the appending session)',
  },
  {
    script: 'idle',
    step: 'DONE',
    nimbus: /^\* 2 FETCH \(FLAGS \(\\Deleted \\Recent\)\)$/,
    kind: 'rfc-allows-both',
    reason:
      'the flag change of a message that is then expunged: pushed first (Nimbus) or folded into the EXPUNGE (Dovecot)',
  },
  {
    script: 'idle',
    step: 'IDLE BOGUS',
    kind: 'dovecot-deviates',
    reason: 'IDLE takes no arguments (RFC 2177): Dovecot starts idling',
  },

  // ── ACL, NOTIFY, QUOTA, ID/ENABLE, OBJECTID ───────────────────────────────────────────────
  {
    script: 'acl-owner',
    step: 'LISTRIGHTS for the owner',
    kind: 'rfc-allows-both',
    reason:
      "the owner's rights: all required (Nimbus) or all optional (Dovecot) — RFC 4314 §3.7 leaves it to the server",
  },
  {
    script: 'acl-shared',
    step: /^(SELECT|LIST) after the grant is gone$/,
    kind: 'dovecot-deviates',
    reason:
      'a Dovecot session keeps the rights it looked up before DELETEACL (its process caches them); Nimbus checks again, and a new Dovecot session agrees',
  },
  {
    script: 'acl-shared',
    step: 'LIST after the grant is gone (new session)',
    dovecot: /\\Noselect\) \/ "Other Users/,
    kind: 'rfc-allows-both',
    reason:
      "Dovecot still lists the other user's namespace root (\\Noselect) with nothing shared below it; Nimbus lists nothing",
  },
  { script: 'acl-owner', step: 'LIST-MYRIGHTS', kind: 'dovecot-lacks', reason: 'LIST-MYRIGHTS (RFC 8440)' },
  {
    script: 'acl-shared',
    step: 'COPY 1 INBOX',
    line: 'COPYUID',
    kind: 'environment',
    reason:
      "Dovecot's UIDVALIDITY is the creation time: two mailboxes created in the same second share it, so the placeholders number differently",
  },
  {
    script: 'notify',
    step: 'wait /EXISTS/',
    kind: 'dovecot-deviates',
    reason:
      'Dovecot sends NOTIFY events for the selected mailbox only at the next command, not while the client is quiet (RFC 5465 §5)',
  },
  {
    script: 'notify',
    step: 'NOTIFY: new message in another mailbox',
    dovecot: '* LIST () / Drafts',
    kind: 'environment',
    reason: 'the peer creates Drafts on first use (auto = create), which NOTIFY reports as a new mailbox',
  },
  {
    script: 'notify',
    step: 'NOTIFY: MailboxName',
    kind: 'rfc-allows-both',
    reason: 'the LIST of a MailboxName event: with child info (Nimbus) or without (Dovecot)',
  },
  {
    script: 'quota',
    step: 'GETQUOTAROOT Nonexistent',
    kind: 'rfc-allows-both',
    reason:
      'GETQUOTAROOT of a missing mailbox: NO [NONEXISTENT] (Nimbus) or the root it would have (Dovecot)',
  },
  {
    script: 'id-enable',
    step: /ENABLE before login|ID \("name"\)|^ENABLE$/,
    kind: 'dovecot-deviates',
    reason:
      'grammar: ENABLE needs a capability and the authenticated state (RFC 5161), ID pairs (RFC 2971); Dovecot answers OK',
  },
  {
    script: 'id-enable',
    step: 'ENABLE twice',
    kind: 'rfc-allows-both',
    reason:
      'ENABLE of an extension already on: Nimbus lists nothing newly enabled, Dovecot lists it again (RFC 5161 §3.1)',
  },
  {
    script: 'id-enable',
    step: /ENABLE (UTF8=ACCEPT|IMAP4rev2)/,
    kind: 'dovecot-lacks',
    reason: 'UTF8=ACCEPT (RFC 6855) and IMAP4rev2 (RFC 9051)',
  },
  {
    script: 'objectid-savedate-preview',
    step: /OBJECTID FETCH|STATUS MAILBOXID|STATUS APPENDLIMIT/,
    kind: 'dovecot-lacks',
    reason: 'OBJECTID (RFC 8474) and STATUS APPENDLIMIT (RFC 7889)',
  },

  // ── bad input ─────────────────────────────────────────────────────────────────────────────
  {
    script: /^bad-input/,
    step: /NOOP extra|bad quoted escape|CAPABILITY extra|z4 ENABLE/,
    kind: 'dovecot-deviates',
    reason:
      'arguments where the grammar has none / a backslash before a character other than " or \\ (RFC 3501 §9): BAD, Dovecot answers OK',
  },
  {
    script: 'bad-input-not-authenticated',
    step: 'AUTHENTICATE with an unknown mechanism',
    kind: 'rfc-allows-both',
    reason: 'NO with [CANNOT] (Nimbus) or [ALERT] (Dovecot)',
  },
);
