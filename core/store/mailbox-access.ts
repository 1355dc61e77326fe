/**
 * Who may do what on which mailbox (RFC 4314 ACLs) and how shared mailboxes are named: the one
 * place that turns a client's mailbox name into (owner, mailbox, rights). Grants never cross a
 * domain: identifiers are accounts of the owner's domain or "anyone" (= anyone in that domain).
 *
 * Shared mailboxes appear to a grantee as "Other Users/<owner address>/<owner's name>".
 * The owner always has every right; that entry is implicit and cannot be changed.
 */
import { parseAddress } from '../mail/address';
import type { SqlExecutor } from '../ports/sql';
import { normaliseRow } from './mailbox-admin';
import type { MailboxRow } from './mailbox-store';

/** The real rights in the order they are written (Dovecot's order, so outputs compare). */
export const ALL_RIGHTS = 'lrwstipekxa';
/** Virtual RFC 2086 rights: c = k+x ("create"), d = e+t ("delete"), RFC 4314 §2.1.1. */
const CREATE_MEMBERS = 'kx';
const DELETE_MEMBERS = 'et';

/** The shared namespace prefix (NAMESPACE "Other Users/" "/"). */
export const SHARED_ROOT = 'Other Users';
export const SHARED_PREFIX = SHARED_ROOT + '/';
export const ANYONE = 'anyone';

export interface Principal {
  id: number;
  domainId: number;
}

export interface AccessibleMailbox {
  mailbox: MailboxRow;
  ownerId: number;
  ownerAddress: string;
  /** The user's effective rights, real rights only, in ALL_RIGHTS order. */
  rights: string;
  /** The name the user sees (own name, or under Other Users/). */
  name: string;
  shared: boolean;
}

export interface AclEntry {
  identifier: string;
  rights: string;
}

export interface Grantee {
  /** null for "anyone". */
  id: number | null;
  negative: boolean;
}

/** Rights in canonical order, duplicates and virtual rights removed. */
export function canonicalRights(letters: string): string {
  let out = '';
  for (const r of ALL_RIGHTS) if (letters.includes(r)) out += r;
  return out;
}

/** Rights as written in ACL / MYRIGHTS responses: the real ones plus the virtual c and d. */
export function formatRights(rights: string): string {
  let out = canonicalRights(rights);
  if ([...CREATE_MEMBERS].some((r) => out.includes(r))) out += 'c';
  if ([...DELETE_MEMBERS].some((r) => out.includes(r))) out += 'd';
  return out;
}

/**
 * Parses the rights of SETACL (after its +/- prefix): lower-case letters of ALL_RIGHTS plus c and d,
 * which stand for their members. Returns the offending character for anything else (→ BAD).
 */
export function parseRights(text: string): { rights: string } | { invalid: string } {
  let letters = '';
  for (const c of text) {
    if (c === 'c') letters += CREATE_MEMBERS;
    else if (c === 'd') letters += DELETE_MEMBERS;
    else if (ALL_RIGHTS.includes(c)) letters += c;
    else return { invalid: c };
  }
  return { rights: canonicalRights(letters) };
}

export const hasRights = (rights: string, need: string): boolean =>
  [...need].every((r) => rights.includes(r));

/** RFC 4314 §5.2: READ-WRITE when any of i, e or a flag right is granted. */
export const writable = (rights: string): boolean => /[iewst]/.test(rights);

/**
 * Splits a name in the shared namespace: the root "Other Users", a user node
 * "Other Users/<address>" (local ''), or a mailbox of that user. null: not in the namespace.
 */
export function parseSharedName(name: string): { root: true } | { owner: string; local: string } | null {
  if (name === SHARED_ROOT) return { root: true };
  if (!name.startsWith(SHARED_PREFIX)) return null;
  const rest = name.slice(SHARED_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { owner: rest, local: '' };
  return { owner: rest.slice(0, slash), local: rest.slice(slash + 1) };
}

export const sharedName = (ownerAddress: string, local: string): string =>
  SHARED_PREFIX + ownerAddress + (local ? '/' + local : '');

/** True for names a user may not give their own mailboxes (they would shadow the namespace). */
export const inSharedNamespace = (name: string): boolean => parseSharedName(name) !== null;

interface AclRow {
  negative: boolean;
  rights: string;
}

/** Effective rights: the union of the positive entries minus the union of the negative ones. */
export function effectiveRights(rows: AclRow[]): string {
  let plus = '';
  let minus = '';
  for (const row of rows) {
    if (row.negative) minus += row.rights;
    else plus += row.rights;
  }
  return canonicalRights([...plus].filter((r) => !minus.includes(r)).join(''));
}

export class MailboxAccess {
  constructor(private readonly db: SqlExecutor) {}

  /** The account `address` if it is in the user's domain (another tenant's is "no such owner"). */
  async owner(user: Principal, address: string): Promise<{ id: number; address: string } | null> {
    let key: string;
    try {
      key = parseAddress(address, { utf8: true }).key;
    } catch {
      return null;
    }
    // Only the canonical spelling names the namespace node, so one mailbox has one name.
    if (key !== address) return null;
    const result = await this.db.query<{ id: string; address: string }>(
      `SELECT id, address FROM accounts WHERE address = $1 AND domain_id = $2`,
      [key, user.domainId],
    );
    const row = result.rows[0];
    return row ? { id: Number(row.id), address: row.address } : null;
  }

  /** The user's rights on a mailbox of another account of the same domain ('' when none). */
  async rightsOn(user: Principal, mailboxId: number): Promise<string> {
    const result = await this.db.query<AclRow>(
      `SELECT a.negative, a.rights FROM mailbox_acl a
       JOIN mailboxes m ON m.id = a.mailbox_id JOIN accounts o ON o.id = m.account_id
       WHERE a.mailbox_id = $1 AND o.domain_id = $3 AND m.account_id <> $2
         AND (a.grantee_id = $2 OR a.grantee_id IS NULL)`,
      [mailboxId, user.id, user.domainId],
    );
    return effectiveRights(result.rows);
  }

  /**
   * A client's mailbox name → the mailbox and the user's rights. null when it does not exist,
   * belongs to another domain, or the name is a namespace node; callers check the rights.
   */
  async resolve(user: Principal, name: string): Promise<AccessibleMailbox | null> {
    const shared = parseSharedName(name);
    if (!shared) {
      const mailbox = await this.mailbox(user.id, name);
      if (!mailbox) return null;
      return { mailbox, ownerId: user.id, ownerAddress: '', rights: ALL_RIGHTS, name, shared: false };
    }
    if ('root' in shared || shared.local === '') return null;
    const owner = await this.owner(user, shared.owner);
    if (!owner || owner.id === user.id) return null;
    const mailbox = await this.mailbox(owner.id, shared.local);
    if (!mailbox) return null;
    const rights = await this.rightsOn(user, mailbox.id);
    return { mailbox, ownerId: owner.id, ownerAddress: owner.address, rights, name, shared: true };
  }

  /** Where a new mailbox named `name` would live: owner and owner-local name (CREATE, RENAME target). */
  async placement(
    user: Principal,
    name: string,
  ): Promise<{ ownerId: number; ownerAddress: string; local: string; shared: boolean } | null> {
    const shared = parseSharedName(name);
    if (!shared) return { ownerId: user.id, ownerAddress: '', local: name, shared: false };
    if ('root' in shared || shared.local === '') return null;
    const owner = await this.owner(user, shared.owner);
    if (!owner || owner.id === user.id) return null;
    return { ownerId: owner.id, ownerAddress: owner.address, local: shared.local, shared: true };
  }

  /** Every mailbox of another account (same domain) on which the user has any right. */
  async sharedWith(user: Principal): Promise<AccessibleMailbox[]> {
    const result = await this.db.query<MailboxRow & { owner_address: string } & AclRow>(
      `SELECT m.*, o.address AS owner_address, a.negative, a.rights AS rights
       FROM mailbox_acl a JOIN mailboxes m ON m.id = a.mailbox_id JOIN accounts o ON o.id = m.account_id
       WHERE o.domain_id = $2 AND m.account_id <> $1 AND (a.grantee_id = $1 OR a.grantee_id IS NULL)
       ORDER BY o.address, m.name`,
      [user.id, user.domainId],
    );
    const byId = new Map<number, { row: MailboxRow & { owner_address: string } & AclRow; acl: AclRow[] }>();
    for (const row of result.rows) {
      const id = Number(row.id);
      const entry = byId.get(id) ?? { row, acl: [] };
      entry.acl.push({ negative: row.negative, rights: row.rights });
      byId.set(id, entry);
    }
    const out: AccessibleMailbox[] = [];
    for (const { row, acl } of byId.values()) {
      const rights = effectiveRights(acl);
      if (!rights) continue;
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the ACL columns are not mailbox fields
      const { owner_address: ownerAddress, negative, rights: _granted, ...rest } = row;
      const mailbox = normaliseRow({ ...rest, subscribed: false } as MailboxRow);
      out.push({
        mailbox,
        ownerId: mailbox.account_id,
        ownerAddress,
        rights,
        name: sharedName(ownerAddress, mailbox.name),
        shared: true,
      });
    }
    return out;
  }

  /** An identifier of SETACL/DELETEACL/LISTRIGHTS → grantee in the owner's domain; null if unknown. */
  async grantee(ownerId: number, identifier: string): Promise<(Grantee & { self: boolean }) | null> {
    const negative = identifier.startsWith('-');
    const name = negative ? identifier.slice(1) : identifier;
    if (name.toLowerCase() === ANYONE) return { id: null, negative, self: false };
    let key: string;
    try {
      key = parseAddress(name, { utf8: true }).key;
    } catch {
      return null;
    }
    const result = await this.db.query<{ id: string }>(
      `SELECT g.id FROM accounts g JOIN accounts o ON o.domain_id = g.domain_id
       WHERE g.address = $1 AND o.id = $2`,
      [key, ownerId],
    );
    const row = result.rows[0];
    if (!row) return null;
    return { id: Number(row.id), negative, self: Number(row.id) === ownerId };
  }

  /** The stored ACL of a mailbox (the owner's implicit entry last), rights formatted. */
  async getAcl(mailbox: MailboxRow): Promise<AclEntry[]> {
    const result = await this.db.query<{ address: string | null; negative: boolean; rights: string }>(
      `SELECT g.address, a.negative, a.rights FROM mailbox_acl a LEFT JOIN accounts g ON g.id = a.grantee_id
       WHERE a.mailbox_id = $1 ORDER BY a.id`,
      [mailbox.id],
    );
    const owner = await this.db.query<{ address: string }>(`SELECT address FROM accounts WHERE id = $1`, [
      mailbox.account_id,
    ]);
    const entries = result.rows.map((row) => ({
      identifier: (row.negative ? '-' : '') + (row.address ?? ANYONE),
      rights: formatRights(row.rights),
    }));
    entries.push({ identifier: owner.rows[0]?.address ?? '', rights: formatRights(ALL_RIGHTS) });
    return entries;
  }

  /** SETACL: `mode` replaces, adds to or removes from the entry; an entry left empty is deleted. */
  async setAcl(
    mailboxId: number,
    grantee: Grantee,
    mode: 'set' | 'add' | 'remove',
    rights: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await tx.query<{ id: string; rights: string }>(
        `SELECT id, rights FROM mailbox_acl WHERE mailbox_id = $1 AND COALESCE(grantee_id, 0) = $2 AND negative = $3
         FOR UPDATE`,
        [mailboxId, grantee.id ?? 0, grantee.negative],
      );
      const before = current.rows[0]?.rights ?? '';
      const next =
        mode === 'set'
          ? rights
          : mode === 'add'
            ? canonicalRights(before + rights)
            : canonicalRights([...before].filter((r) => !rights.includes(r)).join(''));
      if (current.rows[0] && !next) {
        await tx.query(`DELETE FROM mailbox_acl WHERE id = $1`, [current.rows[0].id]);
      } else if (current.rows[0]) {
        await tx.query(`UPDATE mailbox_acl SET rights = $2, updated_at = now() WHERE id = $1`, [
          current.rows[0].id,
          next,
        ]);
      } else if (next) {
        await tx.query(
          `INSERT INTO mailbox_acl (mailbox_id, grantee_id, negative, rights) VALUES ($1, $2, $3, $4)`,
          [mailboxId, grantee.id, grantee.negative, next],
        );
      }
    });
  }

  async deleteAcl(mailboxId: number, grantee: Grantee): Promise<void> {
    await this.db.query(
      `DELETE FROM mailbox_acl WHERE mailbox_id = $1 AND COALESCE(grantee_id, 0) = $2 AND negative = $3`,
      [mailboxId, grantee.id ?? 0, grantee.negative],
    );
  }

  private async mailbox(accountId: number, name: string): Promise<MailboxRow | null> {
    const result = await this.db.query<MailboxRow>(
      `SELECT * FROM mailboxes WHERE account_id = $1 AND name = $2`,
      [accountId, name],
    );
    return result.rows[0] ? normaliseRow(result.rows[0]) : null;
  }
}

/** One stored grant, as the admin console and CLI list it. */
export interface GrantRow {
  id: number;
  owner: string;
  mailbox: string;
  identifier: string;
  rights: string;
}

/**
 * Every grant (admin: `nimbus acl list`), optionally of one domain or involving one account
 * (as owner or grantee).
 */
export async function listGrants(
  db: SqlExecutor,
  filter: { domain?: string; address?: string } = {},
): Promise<GrantRow[]> {
  const result = await db.query<{
    id: string;
    owner: string;
    mailbox: string;
    grantee: string | null;
    negative: boolean;
    rights: string;
  }>(
    `SELECT a.id, o.address AS owner, m.name AS mailbox, g.address AS grantee, a.negative, a.rights
     FROM mailbox_acl a JOIN mailboxes m ON m.id = a.mailbox_id JOIN accounts o ON o.id = m.account_id
     JOIN domains d ON d.id = o.domain_id LEFT JOIN accounts g ON g.id = a.grantee_id
     WHERE ($1::text IS NULL OR d.name = $1) AND ($2::text IS NULL OR o.address = $2 OR g.address = $2)
     ORDER BY o.address, m.name, a.id`,
    [filter.domain?.toLowerCase() ?? null, filter.address?.toLowerCase() ?? null],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    owner: row.owner,
    mailbox: row.mailbox,
    identifier: (row.negative ? '-' : '') + (row.grantee ?? ANYONE),
    rights: formatRights(row.rights),
  }));
}

/** Removes one grant by id (admin: `nimbus acl remove`); the removed grant, or null. */
export async function removeGrant(db: SqlExecutor, id: number): Promise<GrantRow | null> {
  const grant = await grantById(db, id);
  if (grant) await db.query(`DELETE FROM mailbox_acl WHERE id = $1`, [id]);
  return grant;
}

export async function grantById(db: SqlExecutor, id: number): Promise<GrantRow | null> {
  const result = await db.query<{ owner: string }>(
    `SELECT o.address AS owner FROM mailbox_acl a JOIN mailboxes m ON m.id = a.mailbox_id
     JOIN accounts o ON o.id = m.account_id WHERE a.id = $1`,
    [id],
  );
  if (!result.rows[0]) return null;
  return (await listGrants(db, { address: result.rows[0].owner })).find((g) => g.id === id) ?? null;
}
