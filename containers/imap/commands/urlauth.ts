/**
 * URLAUTH (RFC 4467): GENURLAUTH, RESETKEY and URLFETCH. Tokens use the INTERNAL mechanism
 * (core/auth/urlauth-keys.ts); which URLs may be authorized and fetched by whom is decided in
 * core/store/url-fetch.ts. "anonymous" access is refused (there is no anonymous login here).
 */
import { parseImapUrl, type ImapUrl } from '../../../core/mail/imap-url';
import { URLAUTH_MECHANISMS } from '../../../core/auth/urlauth-keys';
import { imapString, literal } from '../format/strings';
import { parseMailbox } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import { no, ok } from '../types';
import type { ImapSession } from '../session';
import { NONEXISTENT } from './access';
import { namesThisServer, urlFetcher } from './catenate';
import type { Handler } from './context';

const MAX_URLS = 100;

function mechanismKnown(name: string): boolean {
  return (URLAUTH_MECHANISMS as readonly string[]).includes(name.toUpperCase());
}

function parsedOrNull(text: string): ImapUrl | null {
  try {
    return parseImapUrl(text);
  } catch {
    return null;
  }
}

/** GENURLAUTH url-rump mechanism *(SP url-rump SP mechanism): all authorized, or none. */
export const genurlauth: Handler = async (s, { t }) => {
  const pairs: { text: string; mechanism: string }[] = [];
  while (!t.atEnd) {
    t.sp();
    const text = t.astring();
    t.sp();
    const mechanism = t.atom();
    pairs.push({ text, mechanism });
    if (pairs.length > MAX_URLS) throw new ParseError('Too many URLs');
  }
  if (pairs.length === 0) throw new ParseError('Missing URL rump');
  const account = s.account!;
  const urls: string[] = [];
  for (const { text, mechanism } of pairs) {
    if (!mechanismKnown(mechanism)) return no(`Unsupported URLAUTH mechanism ${mechanism}`);
    const url = parsedOrNull(text);
    if (!url || !url.server || !namesThisServer(s, url))
      return no('Invalid URL rump: not an IMAP URL of this server');
    const result = await urlFetcher(s).generate(
      { accountId: account.id, address: account.address, submit: false },
      url,
    );
    if (!result.ok) return no(`GENURLAUTH failed: ${result.reason}`);
    urls.push(result.url);
  }
  s.send(`* GENURLAUTH ${urls.map((u) => imapString(u)).join(' ')}\r\n`);
  return ok('GENURLAUTH completed');
};

/** RESETKEY [mailbox *(SP mechanism)]: new access keys, so earlier URLAUTH URLs stop working. */
export const resetkey: Handler = async (s, { t }) => {
  if (t.atEnd) {
    await urlFetcher(s).resetKey(s.account!.id);
    return ok('All keys reset');
  }
  t.sp();
  const name = parseMailbox(t, s.utf8);
  while (!t.atEnd) {
    t.sp();
    const mechanism = t.atom();
    if (!mechanismKnown(mechanism)) return no(`Unsupported URLAUTH mechanism ${mechanism}`);
  }
  if (!(await urlFetcher(s).resetKey(s.account!.id, name))) return NONEXISTENT;
  return ok('Key reset', 'URLMECH INTERNAL');
};

/** URLFETCH url *(SP url): one untagged response with each URL's content, NIL where it fails. */
export const urlfetch: Handler = async (s, { t }) => {
  const texts: string[] = [];
  while (!t.atEnd) {
    t.sp();
    texts.push(t.astring());
    if (texts.length > MAX_URLS) throw new ParseError('Too many URLs');
  }
  if (texts.length === 0) throw new ParseError('Missing URL');
  // Streamed URL by URL, so at most one message part is held at a time.
  s.send('* URLFETCH');
  for (const text of texts) {
    const data = await fetchOne(s, text);
    // Content with NUL can only travel in a literal8 (RFC 3516); everything else in a literal.
    s.send(' ', imapString(text), ' ', data === null ? 'NIL' : literal(data, data.includes(0)));
    await s.maybeFlush();
  }
  s.send('\r\n');
  return ok('URLFETCH completed');
};

async function fetchOne(s: ImapSession, text: string): Promise<Buffer | null> {
  const url = parsedOrNull(text);
  if (!url || !url.server || !namesThisServer(s, url) || !url.urlauth?.token) return null;
  const account = s.account!;
  const fetched = await urlFetcher(s).fetchAuthorized(
    { accountId: account.id, address: account.address, submit: false },
    url,
  );
  return fetched.ok ? fetched.data : null;
}
