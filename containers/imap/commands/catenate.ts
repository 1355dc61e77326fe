/**
 * CATENATE (RFC 4469): builds a message from TEXT literals and IMAP URLs of messages on this
 * server. A plain URL is read with the user's own rights (the "r" right, commands/access.ts),
 * a URLAUTH URL through its token (core/store/url-fetch.ts). A URL that cannot be read fails
 * the whole command with NO [BADURL <url>]; a result over the APPEND limit with NO [TOOBIG].
 * URL content is copied byte for byte (8-bit and binary parts included), with PEEK semantics.
 */
import { parseImapUrl, type ImapUrl } from '../../../core/mail/imap-url';
import { UrlFetcher } from '../../../core/store/url-fetch';
import type { CatPart } from '../parser/append-grammar';
import { normaliseInbox } from '../parser/grammar';
import type { ImapServices } from '../services';
import type { ImapSession } from '../session';
import { no, type CommandResult } from '../types';
import { isResult, openMailbox, selectedHas } from './access';

const fetchers = new WeakMap<ImapServices, UrlFetcher>();

/** The URL resolver of this server (stateless; one per service set). */
export function urlFetcher(s: ImapSession): UrlFetcher {
  let fetcher = fetchers.get(s.services);
  if (!fetcher) {
    fetcher = new UrlFetcher(s.services.deps.db, s.services.deps.blobs);
    fetchers.set(s.services, fetcher);
  }
  return fetcher;
}

/** The URL as resp-text-code text (RFC 4469 url-resp-text: no CR, LF or "]"). */
export function badUrl(text: string): string {
  return `BADURL ${text.replace(/[\x00-\x1f\x7f\]]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

/** True when an absolute URL names this server (its user, if any, being checked by the caller). */
export function namesThisServer(s: ImapSession, url: ImapUrl): boolean {
  return url.server === null || url.server.host === s.options.hostname.toLowerCase();
}

/** The message a CATENATE list makes, or the NO to answer. */
export async function assemble(s: ImapSession, parts: CatPart[]): Promise<Buffer | CommandResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    const data = part.kind === 'text' ? part.data : await readUrl(s, part.url);
    if (data === null) {
      const url = part.kind === 'url' ? part.url : '';
      return no('CATENATE: the URL does not name a message part you can read', badUrl(url));
    }
    size += data.length;
    if (size > s.options.maxLiteralSize) {
      return no(`Message too large (limit ${s.options.maxLiteralSize} octets)`, 'TOOBIG');
    }
    chunks.push(data);
  }
  return Buffer.concat(chunks, size);
}

async function readUrl(s: ImapSession, text: string): Promise<Buffer | null> {
  let url: ImapUrl;
  try {
    url = parseImapUrl(text);
  } catch {
    return null;
  }
  if (!namesThisServer(s, url) || url.uid === null) return null;
  const account = s.account!;
  const fetcher = urlFetcher(s);
  if (url.urlauth) {
    if (url.server === null || url.urlauth.token === null) return null;
    const fetched = await fetcher.fetchAuthorized(
      { accountId: account.id, address: account.address, submit: false },
      url,
    );
    return fetched.ok ? fetched.data : null;
  }
  if (url.server?.user && url.server.user.toLowerCase() !== account.address.toLowerCase()) return null;
  if (url.mailbox === null) {
    // ";UID=..." is relative to the selected mailbox.
    const selected = s.selected;
    if (!selected || !selectedHas(selected, 'r')) return null;
    return fetcher.readFrom({ id: selected.id, uidvalidity: Number(selected.mailbox.uidvalidity) }, url);
  }
  const found = await openMailbox(s, normaliseInbox(url.mailbox), 'r');
  if (isResult(found)) return null;
  return fetcher.readFrom({ id: found.mailbox.id, uidvalidity: Number(found.mailbox.uidvalidity) }, url);
}
