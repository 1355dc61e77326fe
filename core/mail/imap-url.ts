/**
 * IMAP URLs (RFC 5092) with the URLAUTH parts of RFC 4467: the URL model and its parser,
 * including the relative references CATENATE uses ("/INBOX;UIDVALIDITY=7/;UID=3",
 * ";UID=3/;SECTION=1"). Only the forms that name a server, a mailbox or a message (part) are
 * accepted; search URLs ("?...") are not. Components are percent-decoded to UTF-8 (strictly:
 * invalid UTF-8 is an error, never U+FFFD). No sockets, no store: callers resolve the result.
 * Formatting is imap-url-format.ts; the section text as a FETCH section is imap-url-section.ts.
 */
import { decodeUtf8Strict } from '../util/utf8';

export class ImapUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImapUrlError';
  }
}

export interface ImapUrlServer {
  /** The user name (enc-user, decoded); null when the URL has none. */
  user: string | null;
  /** ";AUTH=" type: "*" or a SASL mechanism name; null when absent. */
  auth: string | null;
  host: string;
  port: number | null;
}

/** URLAUTH access identifier (RFC 4467 §3). */
export type UrlAccess =
  | { kind: 'submit'; user: string }
  | { kind: 'user'; user: string }
  | { kind: 'authuser' }
  | { kind: 'anonymous' };

export interface UrlAuth {
  access: UrlAccess;
  /** Present only in an authorized URL (after GENURLAUTH); null in a URL rump. */
  mechanism: string | null;
  /** Lower-case hex. */
  token: string | null;
}

export interface ImapUrl {
  /** null for a relative reference ("/mailbox..." or ";UID=..."). */
  server: ImapUrlServer | null;
  mailbox: string | null;
  uidvalidity: number | null;
  uid: number | null;
  /** The section text (decoded), e.g. "1.2", "HEADER", "1.MIME". */
  section: string | null;
  partial: { start: number; length: number | null } | null;
  expire: Date | null;
  urlauth: UrlAuth | null;
  /**
   * The URL text up to and including ";URLAUTH=<access>", exactly as given: the part a URLAUTH
   * token signs (RFC 4467 §7). null without URLAUTH.
   */
  rump: string | null;
}

const MAX_NUMBER = 0xffffffff;
const MAX_URL_LENGTH = 8192;

// RFC 5092 character classes: achar (user, access), bchar = achar plus ":" "@" "/" (mailbox, section).
export const ACHAR = /^[A-Za-z0-9\-._~!$'()*+,&=]$/;
export const BCHAR = /^[A-Za-z0-9\-._~!$'()*+,&=:@/]$/;

function decodeComponent(text: string, allowed: RegExp, what: string): string {
  if (text === '') throw new ImapUrlError(`Empty ${what}`);
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new ImapUrlError(`Invalid percent-encoding in ${what}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (allowed.test(c)) {
      bytes.push(c.charCodeAt(0));
    } else {
      throw new ImapUrlError(`Invalid character in ${what}`);
    }
  }
  const decoded = decodeUtf8Strict(Buffer.from(bytes));
  if (decoded === null) throw new ImapUrlError(`${what} is not valid UTF-8`);
  if (/[\x00-\x1f\x7f]/.test(decoded)) throw new ImapUrlError(`Control character in ${what}`);
  return decoded;
}

function parseNumber(text: string, what: string, nonZero: boolean): number {
  if (!/^\d{1,10}$/.test(text)) throw new ImapUrlError(`Invalid ${what}`);
  const n = Number(text);
  if (n > MAX_NUMBER || (nonZero && n === 0)) throw new ImapUrlError(`Invalid ${what}`);
  return n;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 date-time (";EXPIRE="). */
export function parseUrlDateTime(text: string): Date {
  const m = DATE_TIME.exec(text);
  if (!m) throw new ImapUrlError('Invalid EXPIRE date-time');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw new ImapUrlError('Invalid EXPIRE date-time');
  }
  let offset = 0;
  if (m[8].toUpperCase() !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const [oh, om] = m[8].slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) throw new ImapUrlError('Invalid EXPIRE date-time');
    offset = sign * (oh * 60 + om);
  }
  const millis = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const time = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millis) - offset * 60_000;
  return new Date(time);
}

function parseAccess(text: string): UrlAccess {
  const lower = text.toLowerCase();
  if (lower === 'authuser') return { kind: 'authuser' };
  if (lower === 'anonymous') return { kind: 'anonymous' };
  const m = /^(submit|user)\+(.+)$/i.exec(text);
  if (!m) throw new ImapUrlError('Invalid URLAUTH access identifier');
  const kind = m[1].toLowerCase() === 'submit' ? 'submit' : 'user';
  return { kind, user: decodeComponent(m[2], ACHAR, 'access user') };
}

function parseServer(text: string): ImapUrlServer {
  const at = text.lastIndexOf('@');
  let user: string | null = null;
  let auth: string | null = null;
  if (at >= 0) {
    const info = text.slice(0, at);
    const m = /^([^;]*)(?:;AUTH=(.*))?$/i.exec(info)!;
    if (m[1] !== '') user = decodeComponent(m[1], ACHAR, 'user');
    if (m[2] !== undefined) {
      if (m[2] !== '*' && !/^[A-Za-z0-9\-_.]{1,40}$/.test(m[2])) throw new ImapUrlError('Invalid AUTH type');
      auth = m[2] === '*' ? '*' : m[2].toUpperCase();
    }
    if (user === null && auth === null) throw new ImapUrlError('Empty user information');
  }
  const hostport = text.slice(at + 1);
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?::(\d{1,5}))?$/.exec(hostport);
  if (!m) throw new ImapUrlError('Invalid host');
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) throw new ImapUrlError('Invalid port');
  return { user, auth, host: m[1].toLowerCase(), port };
}

type Param = 'UIDVALIDITY' | 'UID' | 'SECTION' | 'PARTIAL' | 'EXPIRE' | 'URLAUTH';
// The order RFC 5092 allows; UID, SECTION and PARTIAL are preceded by "/".
const ORDER: Param[] = ['UIDVALIDITY', 'UID', 'SECTION', 'PARTIAL', 'EXPIRE', 'URLAUTH'];
const SLASHED = new Set<Param>(['UID', 'SECTION', 'PARTIAL']);

function emptyUrl(server: ImapUrlServer | null): ImapUrl {
  return {
    server,
    mailbox: null,
    uidvalidity: null,
    uid: null,
    section: null,
    partial: null,
    expire: null,
    urlauth: null,
    rump: null,
  };
}

/**
 * The parameters after the mailbox (or at the start of a relative reference). `segments` are
 * the pieces between ";"; the "/" that precedes UID, SECTION and PARTIAL ends the piece before.
 */
function parseParams(
  url: ImapUrl,
  segments: string[],
  prefixEndsWithSlash: boolean | 'relative',
  text: string,
): void {
  let last = -1;
  let slashPending = prefixEndsWithSlash === true;
  for (let i = 0; i < segments.length; i++) {
    let segment = segments[i];
    const eq = segment.indexOf('=');
    const name = (eq < 0 ? segment : segment.slice(0, eq)).toUpperCase() as Param;
    const index = ORDER.indexOf(name);
    if (eq < 0 || index < 0) throw new ImapUrlError(`Unknown URL parameter ${segment.slice(0, 20)}`);
    if (index <= last) throw new ImapUrlError(`URL parameter ${name} out of order`);
    // A message-relative reference starts with its first parameter, without a "/".
    const relativeStart = i === 0 && prefixEndsWithSlash === 'relative';
    if (!relativeStart && SLASHED.has(name) !== slashPending) {
      throw new ImapUrlError(
        SLASHED.has(name) ? `Missing "/" before ;${name}` : `Unexpected "/" before ;${name}`,
      );
    }
    last = index;
    const next = segments[i + 1];
    const nextName = next === undefined ? null : (next.split('=')[0].toUpperCase() as Param);
    slashPending = false;
    if ((nextName === null || SLASHED.has(nextName)) && segment.endsWith('/')) {
      segment = segment.slice(0, -1);
      slashPending = true;
    }
    const value = segment.slice(eq + 1);
    switch (name) {
      case 'UIDVALIDITY':
        if (url.mailbox === null) throw new ImapUrlError('UIDVALIDITY without a mailbox');
        url.uidvalidity = parseNumber(value, 'UIDVALIDITY', true);
        break;
      case 'UID':
        url.uid = parseNumber(value, 'UID', true);
        break;
      case 'SECTION':
        url.section = decodeComponent(value, BCHAR, 'section');
        break;
      case 'PARTIAL': {
        const m = /^(\d+)(?:\.(\d+))?$/.exec(value);
        if (!m) throw new ImapUrlError('Invalid PARTIAL');
        const start = parseNumber(m[1], 'PARTIAL', false);
        const length = m[2] === undefined ? null : parseNumber(m[2], 'PARTIAL length', true);
        url.partial = { start, length };
        break;
      }
      case 'EXPIRE':
        url.expire = parseUrlDateTime(value);
        break;
      case 'URLAUTH': {
        const [access, mechanism, token, ...extra] = value.split(':');
        if (extra.length > 0 || (mechanism !== undefined && token === undefined)) {
          throw new ImapUrlError('Invalid URLAUTH');
        }
        // The rump is the text as given, up to the access identifier (which holds no ":").
        const at = text.toUpperCase().lastIndexOf(';URLAUTH=') + ';URLAUTH='.length;
        url.rump = text.slice(0, at + access.length);
        let auth: UrlAuth = { access: parseAccess(access), mechanism: null, token: null };
        if (mechanism !== undefined) {
          if (!/^[A-Za-z0-9\-.]{1,64}$/.test(mechanism)) throw new ImapUrlError('Invalid URLAUTH mechanism');
          if (!/^[0-9A-Fa-f]{32,}$/.test(token)) throw new ImapUrlError('Invalid URLAUTH token');
          auth = { ...auth, mechanism: mechanism.toUpperCase(), token: token.toLowerCase() };
        }
        url.urlauth = auth;
        break;
      }
    }
  }
  if (slashPending) throw new ImapUrlError('Trailing "/"');
  if ((url.section !== null || url.partial !== null) && url.uid === null && url.mailbox !== null) {
    throw new ImapUrlError('SECTION or PARTIAL without UID');
  }
  if ((url.urlauth !== null || url.expire !== null) && url.uid === null) {
    throw new ImapUrlError('URLAUTH applies only to a message URL');
  }
  if (url.expire !== null && url.urlauth === null) throw new ImapUrlError('EXPIRE without URLAUTH');
}

function parsePath(url: ImapUrl, path: string, text: string): void {
  // path is what follows the server's "/" (or the leading "/" of an absolute-path reference).
  if (path === '') return;
  if (path.includes('?')) throw new ImapUrlError('Search URLs are not supported');
  const segments = path.split(';');
  let mailbox = segments[0];
  let slash = false;
  if (segments.length > 1 && mailbox.endsWith('/')) {
    const nextName = segments[1].split('=')[0].toUpperCase();
    if (nextName === 'UID') {
      mailbox = mailbox.slice(0, -1);
      slash = true;
    }
  }
  if (mailbox === '') throw new ImapUrlError('Missing mailbox');
  url.mailbox = decodeComponent(mailbox, BCHAR, 'mailbox');
  parseParams(url, segments.slice(1), slash, text);
}

/**
 * Parses an absolute IMAP URL ("imap://...") or a relative reference: an absolute path
 * ("/mailbox;UIDVALIDITY=n/;UID=n...") or a message-relative one (";UID=n...", ";SECTION=...").
 * @throws ImapUrlError
 */
export function parseImapUrl(text: string): ImapUrl {
  if (text.length === 0) throw new ImapUrlError('Empty URL');
  if (text.length > MAX_URL_LENGTH) throw new ImapUrlError('URL too long');
  if (/^imap:\/\//i.test(text)) {
    const rest = text.slice(7);
    const slash = rest.indexOf('/');
    const url = emptyUrl(parseServer(slash < 0 ? rest : rest.slice(0, slash)));
    if (slash >= 0) parsePath(url, rest.slice(slash + 1), text);
    return url;
  }
  if (/^[A-Za-z][A-Za-z0-9+\-.]*:/.test(text)) throw new ImapUrlError('Not an IMAP URL');
  const url = emptyUrl(null);
  if (text.startsWith('//')) throw new ImapUrlError('Network-path references are not supported');
  if (text.startsWith('/')) {
    parsePath(url, text.slice(1), text);
    if (url.mailbox === null) throw new ImapUrlError('Missing mailbox');
    return url;
  }
  if (!text.startsWith(';')) throw new ImapUrlError('Not an IMAP URL');
  parseParams(url, text.slice(1).split(';'), 'relative', text);
  if (url.uid === null && url.section === null && url.partial === null) {
    throw new ImapUrlError('Relative URL names no message');
  }
  if (url.uidvalidity !== null) throw new ImapUrlError('UIDVALIDITY without a mailbox');
  return url;
}

/**
 * Resolves a relative reference against a base (RFC 5092 §7 / RFC 3986 §5): an absolute path
 * takes the base's server; ";UID=" takes its mailbox too, ";SECTION=" or ";PARTIAL=" its message.
 */
export function resolveImapUrl(url: ImapUrl, base: ImapUrl): ImapUrl {
  if (url.server !== null) return url;
  if (url.mailbox !== null) return { ...url, server: base.server };
  if (url.uid !== null) {
    return { ...url, server: base.server, mailbox: base.mailbox, uidvalidity: base.uidvalidity };
  }
  return {
    ...url,
    server: base.server,
    mailbox: base.mailbox,
    uidvalidity: base.uidvalidity,
    uid: base.uid,
    section: url.section ?? base.section,
  };
}
