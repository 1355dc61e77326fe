/**
 * GETMETADATA and SETMETADATA (RFC 5464). Mailbox "" is the server: its /shared entries are the
 * administrator's (`/shared/admin`, `/shared/comment` from the settings, read-only), its /private
 * entries are the user's. Mailbox entries: /private per user, /shared per mailbox; the virtual
 * `/private/specialuse` is the mailbox's SPECIAL-USE (RFC 6154 §4). Storage: core/store/mailbox-metadata.ts.
 */
import { canonicalSpecialUse } from '../../../core/store/mailbox-admin';
import {
  MailboxMetadata,
  type MetadataTarget,
  type MetadataWrite,
} from '../../../core/store/mailbox-metadata';
import { mailboxName, type Chunk } from '../format/strings';
import { formatEntryName, formatValue, parseGetMetadata, parseSetMetadata } from '../parser/metadata-grammar';
import type { ImapSession } from '../session';
import { DEFAULT_METADATA_OPTIONS, no, ok, type CommandResult, type ImapMetadataOptions } from '../types';
import { mailboxAccess, NONEXISTENT, NOPERM, principal } from './access';
import type { Handler } from './context';

const SPECIAL_USE = '/private/specialuse';
const SERVER_FIXED = new Set(['/shared/admin', '/shared/comment']);

interface Resolved {
  target: MetadataTarget;
  /** The session's user owns the mailbox (or it is the server). */
  owner: boolean;
  /** The "w" right, which writing /shared entries of a mailbox needs on top of RFC 5464 §3.3. */
  mayWriteShared: boolean;
}

function settings(s: ImapSession): ImapMetadataOptions {
  return { ...DEFAULT_METADATA_OPTIONS, ...s.options.metadata };
}

function store(s: ImapSession): MailboxMetadata {
  return new MailboxMetadata(s.services.deps.db, s.services.deps.events);
}

/**
 * The server (null), or a mailbox the user may annotate: RFC 5464 §3.3 wants "l" and one of
 * "r", "s", "w", "i", "p". A mailbox without "l" answers like a missing one (RFC 4314 §6).
 */
async function resolve(s: ImapSession, mailbox: string | null): Promise<Resolved | CommandResult> {
  if (mailbox === null) return { target: { mailboxId: null }, owner: true, mayWriteShared: true };
  const found = await mailboxAccess(s).resolve(principal(s), mailbox);
  if (!found || !found.rights.includes('l')) return NONEXISTENT;
  if (!/[rswip]/.test(found.rights)) return NOPERM;
  return {
    target: { mailboxId: found.mailbox.id, ownerId: found.ownerId },
    owner: !found.shared,
    mayWriteShared: found.rights.includes('w'),
  };
}

const isResolved = (value: Resolved | CommandResult): value is Resolved => 'target' in value;

/** Everything the user can read on the target: stored entries plus the virtual ones. */
async function readable(s: ImapSession, resolved: Resolved): Promise<Map<string, Buffer>> {
  const options = settings(s);
  const all = new Map<string, Buffer>();
  for (const entry of await store(s).entries(s.account!.id, resolved.target)) {
    if (!options.privateEntries && entry.name.startsWith('/private/')) continue;
    all.set(entry.name, entry.value);
  }
  if (resolved.target.mailboxId === null) {
    all.set('/shared/admin', Buffer.from(options.adminUri ?? `mailto:postmaster@${s.options.hostname}`));
    if (options.serverComment) all.set('/shared/comment', Buffer.from(options.serverComment));
  } else {
    all.delete(SPECIAL_USE);
    const uses = await store(s).specialUse(resolved.target.mailboxId);
    if (uses) all.set(SPECIAL_USE, Buffer.from(uses));
  }
  return all;
}

function within(name: string, entry: string, depth: '0' | '1' | 'infinity'): boolean {
  if (name === entry) return true;
  if (depth === '0' || !name.startsWith(entry + '/')) return false;
  return depth === 'infinity' || !name.slice(entry.length + 1).includes('/');
}

/** `* METADATA mailbox (entry value …)`; a null value is NIL. */
function metadataResponse(
  s: ImapSession,
  mailbox: string | null,
  found: Map<string, Buffer | null>,
): Chunk[] {
  const chunks: Chunk[] = ['* METADATA ', mailbox === null ? '""' : mailboxName(mailbox, s.utf8), ' ('];
  let first = true;
  for (const [name, value] of found) {
    chunks.push(first ? '' : ' ', formatEntryName(name), ' ', value === null ? 'NIL' : formatValue(value));
    first = false;
  }
  chunks.push(')\r\n');
  return chunks;
}

export const getmetadata: Handler = async (s, { t }) => {
  const args = parseGetMetadata(t, s.utf8);
  const resolved = await resolve(s, args.mailbox);
  if (!isResolved(resolved)) return resolved;
  const all = await readable(s, resolved);
  const found = new Map<string, Buffer | null>();
  let longest = 0;
  for (const entry of args.entries) {
    // DEPTH 0 answers NIL for a missing entry; with DEPTH 1/infinity only what exists is listed.
    if (args.depth === '0' && !all.has(entry)) found.set(entry, null);
    for (const [name, value] of all) {
      if (!within(name, entry, args.depth)) continue;
      if (args.maxSize !== null && value.length > args.maxSize) longest = Math.max(longest, value.length);
      else found.set(name, value);
    }
  }
  if (found.size > 0) s.send(...metadataResponse(s, args.mailbox, found));
  return ok('GETMETADATA completed', longest > 0 ? `METADATA LONGENTRIES ${longest}` : undefined);
};

/** `/private/specialuse` value → canonical attributes, or the refusal. */
function parseSpecialUse(value: Buffer | null): string[] | CommandResult {
  if (value === null) return [];
  const uses: string[] = [];
  for (const word of value.toString('latin1').split(' ').filter(Boolean)) {
    const use = canonicalSpecialUse(word);
    if (!use) return no(`Unsupported special-use attribute ${word.slice(0, 40)}`, 'USEATTR');
    if (!uses.includes(use)) uses.push(use);
  }
  return uses;
}

export const setmetadata: Handler = async (s, { t }) => {
  const args = parseSetMetadata(t, s.utf8);
  const resolved = await resolve(s, args.mailbox);
  if (!isResolved(resolved)) return resolved;
  const options = settings(s);
  const latest = new Map<string, Buffer | null>();
  for (const change of args.changes) latest.set(change.entry, change.value);
  const writes: MetadataWrite[] = [];
  let specialUse: string[] | undefined;
  for (const [entry, value] of latest) {
    const isPrivate = entry.startsWith('/private/');
    if (!entry.includes('/', 1)) return no(`${entry} is not an entry, only the root of its kind`, 'CANNOT');
    if (isPrivate && !options.privateEntries)
      return no('Private entries are not supported', 'METADATA NOPRIVATE');
    if (resolved.target.mailboxId === null && !isPrivate) {
      if (SERVER_FIXED.has(entry)) return no(`${entry} is set by the administrator`, 'CANNOT');
      return no('Shared server entries are set by the administrator', 'NOPERM');
    }
    // /shared entries are what every user of the mailbox sees: like flags, they need "w".
    if (!isPrivate && !resolved.mayWriteShared) return NOPERM;
    if (value !== null && value.length > options.maxValueSize)
      return no(`The value of ${entry} is too long`, `METADATA MAXSIZE ${options.maxValueSize}`);
    if (entry === SPECIAL_USE && resolved.target.mailboxId !== null) {
      if (!resolved.owner) return no('Only the owner sets the special use of a mailbox', 'NOPERM');
      const uses = parseSpecialUse(value);
      if (!Array.isArray(uses)) return uses;
      specialUse = uses;
      continue;
    }
    writes.push({ entry, value });
  }
  const result = await store(s).write(s.account!.id, resolved.target, writes, options, specialUse);
  if (!result.ok) {
    return result.reason === 'too-many'
      ? no('Too many metadata entries', 'METADATA TOOMANY')
      : no('Metadata storage of this account is full', 'LIMIT');
  }
  return ok('SETMETADATA completed');
};

/**
 * LIST-METADATA (RFC 9590) for LIST … RETURN (METADATA (entries)): the `* METADATA` response that
 * follows the LIST line of `name`, entries as GETMETADATA with DEPTH 0 answers them (NIL when
 * unset). Nothing for a mailbox the user may not annotate (RFC 5464 §3.3: l and one of r s w i p).
 * For list.ts: parse the option with parseListMetadataOption, then send what this returns.
 */
export async function listMetadataResponse(
  s: ImapSession,
  name: string,
  mailbox: { id: number; account_id: number },
  rights: string,
  entries: readonly string[],
): Promise<Chunk[]> {
  if (!rights.includes('l') || !/[rswip]/.test(rights)) return [];
  const resolved: Resolved = {
    target: { mailboxId: mailbox.id, ownerId: mailbox.account_id },
    owner: mailbox.account_id === s.account!.id,
    mayWriteShared: rights.includes('w'),
  };
  const all = await readable(s, resolved);
  return metadataResponse(s, name, new Map(entries.map((entry) => [entry, all.get(entry) ?? null])));
}
