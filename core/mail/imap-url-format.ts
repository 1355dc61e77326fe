/**
 * Writing IMAP URLs (RFC 5092, URLAUTH of RFC 4467) in canonical form: parameter names
 * upper-case, components percent-encoded, and the URLAUTH rump a GENURLAUTH token signs.
 * The inverse of parseImapUrl (imap-url.ts).
 */
import { ACHAR, BCHAR, type ImapUrl, type ImapUrlServer, type UrlAccess } from './imap-url';

function encodeComponent(text: string, allowed: RegExp): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    // "%" itself, and everything outside the class, is percent-encoded.
    out += byte < 0x80 && allowed.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function formatAccess(access: UrlAccess): string {
  if (access.kind === 'authuser' || access.kind === 'anonymous') return access.kind;
  return `${access.kind}+${encodeComponent(access.user, ACHAR)}`;
}

function formatServer(server: ImapUrlServer): string {
  let info = server.user === null ? '' : encodeComponent(server.user, ACHAR);
  if (server.auth !== null) info += `;AUTH=${server.auth}`;
  const port = server.port === null ? '' : `:${server.port}`;
  return `imap://${info === '' ? '' : `${info}@`}${server.host}${port}`;
}

/** The URL up to ";URLAUTH=<access>" (the rump GENURLAUTH signs), or the whole URL without URLAUTH. */
export function formatImapUrlRump(url: ImapUrl): string {
  let out = url.server ? formatServer(url.server) : '';
  if (url.mailbox !== null) {
    out += `/${encodeComponent(url.mailbox, BCHAR)}`;
    if (url.uidvalidity !== null) out += `;UIDVALIDITY=${url.uidvalidity}`;
  }
  const params: string[] = [];
  if (url.uid !== null) params.push(`;UID=${url.uid}`);
  if (url.section !== null) params.push(`;SECTION=${encodeComponent(url.section, BCHAR)}`);
  if (url.partial !== null) {
    params.push(
      `;PARTIAL=${url.partial.start}${url.partial.length === null ? '' : `.${url.partial.length}`}`,
    );
  }
  // Within a mailbox URL each of these follows a "/"; a message-relative reference starts with ";".
  out += url.mailbox === null ? params.join('/') : params.map((p) => `/${p}`).join('');
  if (url.expire !== null) out += `;EXPIRE=${url.expire.toISOString().replace('.000Z', 'Z')}`;
  if (url.urlauth !== null) out += `;URLAUTH=${formatAccess(url.urlauth.access)}`;
  return out;
}

/** The canonical text of a URL (parameter names upper-case, components percent-encoded). */
export function formatImapUrl(url: ImapUrl): string {
  const rump = formatImapUrlRump(url);
  const auth = url.urlauth;
  if (!auth || auth.mechanism === null || auth.token === null) return rump;
  return `${rump}:${auth.mechanism.toLowerCase()}:${auth.token}`;
}
