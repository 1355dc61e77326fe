/**
 * BURL (RFC 4468) on the submission listener: `BURL <imap-url> [LAST]` adds the content an
 * IMAP URLAUTH URL names to the message, as a BDAT chunk would. The URL is resolved in-process
 * through the policy (the store is shared, so no IMAP connection is made); the URLAUTH check
 * there treats this session as the submission entity for the authenticated user
 * ("submit+<user>"). Only URLAUTH URLs are taken: a plain URL would need a trust relationship.
 */
import { parseImapUrl } from '../../core/mail/imap-url';
import { transactionReady } from './body-receiver';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy } from './types';

export interface BurlRequest {
  url: string;
  last: boolean;
}

/** The BURL argument, or the 501 for it. */
export function parseBurlArgument(argument: string): BurlRequest | SmtpReply {
  const m = /^(\S+)(?: +(LAST))?$/i.exec(argument.trim());
  if (!m) return reply(501, '5.5.4', 'Syntax: BURL absolute-URI [LAST]');
  return { url: m[1], last: m[2] !== undefined };
}

/**
 * Checks and resolves one BURL command: the content to add, or the reply that refuses it
 * (the transaction then fails, as for a refused BDAT chunk).
 */
export async function fetchBurl(
  info: SessionInfo,
  envelope: Envelope | null,
  policy: SmtpPolicy,
  request: BurlRequest,
): Promise<{ data: Buffer } | { reply: SmtpReply }> {
  const notReady = transactionReady(envelope);
  if (notReady) return { reply: notReady };
  if (!info.authenticatedAs || !policy.fetchBurl)
    return { reply: reply(530, '5.7.0', 'Authentication required') };
  if (!/^imap:\/\//i.test(request.url))
    return { reply: reply(554, '5.5.4', 'Only imap: URLs are supported') };
  let hasUrlauth: boolean;
  try {
    hasUrlauth = parseImapUrl(request.url).urlauth?.token != null;
  } catch {
    return { reply: reply(554, '5.5.4', 'Invalid IMAP URL') };
  }
  if (!hasUrlauth) {
    return { reply: reply(554, '5.7.14', 'URL without URLAUTH: trust relationship required') };
  }
  return policy.fetchBurl(info, request.url);
}
