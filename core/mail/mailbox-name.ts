/**
 * What a mailbox name may contain, for every protocol that creates or names one (IMAP, JMAP,
 * admin). RFC 9051 §5.1: names are Net-Unicode (RFC 5198) but MUST NOT contain control characters
 * (U+0000-U+001F, U+0080-U+009F), DELETE (U+007F), LINE SEPARATOR (U+2028) or PARAGRAPH SEPARATOR
 * (U+2029). A JavaScript string can also hold a lone UTF-16 surrogate, which no encoding can carry.
 */

const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why the (decoded) name is not acceptable, or null when it is. */
export function mailboxNameProblem(name: string): string | null {
  if (LONE_SURROGATE.test(name)) return 'Mailbox name contains an unpaired surrogate';
  if (FORBIDDEN.test(name)) return 'Mailbox name contains control characters';
  return null;
}
