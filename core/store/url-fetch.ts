/**
 * Resolving IMAP URLs to message content in the store (CATENATE, URLFETCH, BURL), and issuing
 * URLAUTH tokens (GENURLAUTH). Every path reads with PEEK semantics (\Seen is never set).
 *
 * Who may read what: a plain URL is read only from a mailbox the caller resolved with the
 * user's own rights (readFrom). A URLAUTH URL
 * may name another user's message, but only with a valid token, before its EXPIRE, and only
 * for the requester its access identifier names; every access identifier is also limited to
 * the owner's domain (tenant), so URLAUTH never crosses tenants. "anonymous" is refused.
 */
import { filterHeaderFields, resolveSection, type MessageStructure } from '../mime';
import type { BlobStore } from '../ports/blob-store';
import type { SqlExecutor } from '../ports/sql';
import { UrlauthKeys } from '../auth/urlauth-keys';
import type { ImapUrl } from '../mail/imap-url';
import { parseUrlSection } from '../mail/imap-url-section';

export interface UrlRequester {
  accountId: number;
  address: string;
  /** A message submission entity acting for `address` (BURL), not an IMAP session. */
  submit: boolean;
}

export type AuthorizedFetch = { ok: true; data: Buffer } | { ok: false; reason: 'denied' | 'missing' };

export type GenUrlauthResult = { ok: true; url: string; token: string } | { ok: false; reason: string };

interface OwnerRow {
  id: string;
  address: string;
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function normaliseMailbox(name: string): string {
  if (/^inbox$/i.test(name)) return 'INBOX';
  if (/^inbox\//i.test(name)) return 'INBOX' + name.slice(5);
  return name;
}

export class UrlFetcher {
  readonly keys: UrlauthKeys;

  constructor(
    private readonly db: SqlExecutor,
    private readonly blobs: BlobStore,
  ) {
    this.keys = new UrlauthKeys(db);
  }

  /**
   * The content a plain URL names in a mailbox the caller has already resolved and checked
   * (CATENATE: a mailbox the user may read); null when the UIDVALIDITY, message or section is wrong.
   */
  async readFrom(mailbox: { id: number; uidvalidity: number }, url: ImapUrl): Promise<Buffer | null> {
    if (url.uid === null) return null;
    if (url.uidvalidity !== null && url.uidvalidity !== Number(mailbox.uidvalidity)) return null;
    return this.content(mailbox.id, url);
  }

  /**
   * The content a URLAUTH-authorized URL names, if this requester may have it. "denied": the
   * URL carries no valid authorization for this requester (wrong token or access identifier,
   * expired, unknown owner or mailbox); "missing": authorized, but the message or part is gone.
   */
  async fetchAuthorized(requester: UrlRequester, url: ImapUrl, now = new Date()): Promise<AuthorizedFetch> {
    const denied = { ok: false, reason: 'denied' } as const;
    const auth = url.urlauth;
    if (!url.server?.user || url.mailbox === null || url.uid === null || !auth || url.rump === null)
      return denied;
    if (auth.mechanism !== 'INTERNAL' || auth.token === null) return denied;
    if (url.expire !== null && url.expire.getTime() <= now.getTime()) return denied;
    const owner = await this.owner(url.server.user);
    if (!owner || domainOf(owner.address) !== domainOf(requester.address)) return denied;
    if (!accessAllows(auth.access, requester)) return denied;
    const mailbox = await this.mailbox(Number(owner.id), { ...url, uidvalidity: null });
    if (mailbox === null) return denied;
    if (!(await this.keys.verify(mailbox.id, url.rump, auth.token))) return denied;
    if (url.uidvalidity !== null && url.uidvalidity !== mailbox.uidvalidity)
      return { ok: false, reason: 'missing' };
    const data = await this.content(mailbox.id, url);
    return data === null ? { ok: false, reason: 'missing' } : { ok: true, data };
  }

  /** GENURLAUTH for one URL rump (absolute, the requester's own mailbox, ";URLAUTH=" without a verifier). */
  async generate(requester: UrlRequester, url: ImapUrl): Promise<GenUrlauthResult> {
    const auth = url.urlauth;
    if (!url.server || url.mailbox === null || url.uid === null || !auth || url.rump === null) {
      return { ok: false, reason: 'Not a URLAUTH rump of a message URL' };
    }
    if (auth.mechanism !== null) return { ok: false, reason: 'The URL already has a URLAUTH verifier' };
    if (!url.server.user || !sameAddress(url.server.user, requester.address)) {
      return { ok: false, reason: 'The URL must name the logged-in user as its owner' };
    }
    if (url.server.auth !== null) return { ok: false, reason: 'A URLAUTH URL may not have ;AUTH=' };
    const access = auth.access;
    if (access.kind === 'anonymous')
      return { ok: false, reason: 'Anonymous URLAUTH access is not allowed here' };
    if (access.kind !== 'authuser') {
      if (domainOf(access.user) !== domainOf(requester.address)) {
        return { ok: false, reason: 'URLAUTH access is limited to users of your domain' };
      }
    }
    const mailbox = await this.mailbox(requester.accountId, url);
    if (mailbox === null) return { ok: false, reason: 'No such mailbox (or its UIDVALIDITY changed)' };
    const token = await this.keys.sign(requester.accountId, mailbox.id, url.rump);
    return { ok: true, url: `${url.rump}:internal:${token}`, token };
  }

  /** RESETKEY: by mailbox name, or all of the account's keys. False if the mailbox does not exist. */
  async resetKey(accountId: number, mailboxName?: string): Promise<boolean> {
    if (mailboxName === undefined) {
      await this.keys.reset(accountId);
      return true;
    }
    const found = await this.db.query<{ id: string }>(
      `SELECT id FROM mailboxes WHERE account_id = $1 AND name = $2`,
      [accountId, normaliseMailbox(mailboxName)],
    );
    if (!found.rows[0]) return false;
    await this.keys.reset(accountId, Number(found.rows[0].id));
    return true;
  }

  private async owner(user: string): Promise<OwnerRow | null> {
    const result = await this.db.query<OwnerRow>(
      `SELECT id, address FROM accounts WHERE lower(address) = lower($1) AND NOT disabled`,
      [user],
    );
    return result.rows[0] ?? null;
  }

  /** The mailbox of the URL in `accountId`, if it exists and its UIDVALIDITY matches the URL's (if given). */
  private async mailbox(
    accountId: number,
    url: ImapUrl,
  ): Promise<{ id: number; uidvalidity: number } | null> {
    const result = await this.db.query<{ id: string; uidvalidity: string }>(
      `SELECT id, uidvalidity FROM mailboxes WHERE account_id = $1 AND name = $2`,
      [accountId, normaliseMailbox(url.mailbox!)],
    );
    const row = result.rows[0];
    if (!row) return null;
    if (url.uidvalidity !== null && Number(row.uidvalidity) !== url.uidvalidity) return null;
    return { id: Number(row.id), uidvalidity: Number(row.uidvalidity) };
  }

  /** BODY.PEEK[section]<partial> of the URL's message. */
  private async content(mailboxId: number, url: ImapUrl): Promise<Buffer | null> {
    const section =
      url.section === null ? { path: [], specifier: null, fields: [] } : parseUrlSection(url.section);
    if (!section) return null;
    const result = await this.db.query<{ structure: unknown; blob_key: string; header_prefix: unknown }>(
      `SELECT structure, blob_key, header_prefix FROM messages WHERE mailbox_id = $1 AND uid = $2`,
      [mailboxId, url.uid],
    );
    const row = result.rows[0];
    if (!row) return null;
    const structure = (
      typeof row.structure === 'string' ? JSON.parse(row.structure) : row.structure
    ) as MessageStructure;
    const resolved = resolveSection(structure, section.path);
    if (!resolved) return null;
    const range =
      section.specifier === null
        ? resolved.body
        : section.specifier === 'MIME'
          ? resolved.mime
          : section.specifier === 'TEXT'
            ? resolved.text
            : resolved.header;
    if (!range) return null;
    let bytes = await this.range(row.blob_key, toBuffer(row.header_prefix), range.start, range.end);
    if (section.specifier === 'HEADER.FIELDS' || section.specifier === 'HEADER.FIELDS.NOT') {
      bytes = filterHeaderFields(bytes, section.fields, section.specifier === 'HEADER.FIELDS.NOT');
    }
    if (url.partial) {
      const start = Math.min(bytes.length, url.partial.start);
      const end =
        url.partial.length === null ? bytes.length : Math.min(bytes.length, start + url.partial.length);
      bytes = bytes.subarray(start, end);
    }
    return Buffer.from(bytes);
  }

  /** Bytes [start, end) of the stored message (header prefix + blob), reading only that range. */
  private async range(blobKey: string, prefix: Buffer, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    if (start < prefix.length) parts.push(prefix.subarray(start, Math.min(end, prefix.length)));
    if (end > prefix.length) {
      parts.push(await this.blobs.getRange(blobKey, Math.max(0, start - prefix.length), end - prefix.length));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

function accessAllows(access: NonNullable<ImapUrl['urlauth']>['access'], requester: UrlRequester): boolean {
  switch (access.kind) {
    case 'user':
      return !requester.submit && sameAddress(access.user, requester.address);
    case 'submit':
      return requester.submit && sameAddress(access.user, requester.address);
    case 'authuser':
      // Any authenticated user of the owner's domain (checked by the caller); a submission
      // entity acting for such a user is one too.
      return true;
    case 'anonymous':
      return false;
  }
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string' && value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex');
  return Buffer.alloc(0);
}
