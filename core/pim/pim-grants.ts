/**
 * Sharing of collections (RFC 3744 subset): the owner has every right; another account of the
 * SAME domain may be granted read or read-write. Grants across domains are refused here, and
 * readers check the domain again, so a tenant never sees another's data whatever the URL.
 */
import type { SqlExecutor } from '../ports/sql';
import { PimError } from './pim-errors';
import type { PimAccess, PimGrant, PimHome } from './types';

export type EffectiveAccess = 'owner' | PimAccess | null;

export interface GrantView extends PimGrant {
  owner: string;
  home: PimHome;
  collection: string;
  grantee: string;
}

interface AccountRow {
  id: string | number;
  domain_id: string | number;
}

async function account(db: SqlExecutor, address: string): Promise<AccountRow> {
  const rows = await db.query<AccountRow>(`SELECT id, domain_id FROM accounts WHERE address = $1`, [
    address.trim().toLowerCase(),
  ]);
  if (!rows.rows[0]) throw new PimError('not-found', `no account ${address}`);
  return rows.rows[0];
}

export async function setGrant(
  db: SqlExecutor,
  collection: { id: number; accountId: number },
  granteeAddress: string,
  access: PimAccess,
): Promise<void> {
  const grantee = await account(db, granteeAddress);
  const owner = await db.query<{ domain_id: string | number }>(
    `SELECT domain_id FROM accounts WHERE id = $1`,
    [collection.accountId],
  );
  if (String(owner.rows[0]?.domain_id) !== String(grantee.domain_id))
    throw new PimError('conflict', 'collections are shared only within the owner’s domain');
  if (Number(grantee.id) === collection.accountId)
    throw new PimError('conflict', 'the owner has every right');
  await db.query(
    `INSERT INTO pim_grants (collection_id, grantee_id, access) VALUES ($1, $2, $3)
     ON CONFLICT (collection_id, grantee_id) DO UPDATE SET access = EXCLUDED.access`,
    [collection.id, Number(grantee.id), access],
  );
}

export async function removeGrant(
  db: SqlExecutor,
  collectionId: number,
  granteeAddress: string,
): Promise<boolean> {
  const grantee = await account(db, granteeAddress);
  const rows = await db.query(`DELETE FROM pim_grants WHERE collection_id = $1 AND grantee_id = $2`, [
    collectionId,
    Number(grantee.id),
  ]);
  return rows.rowCount > 0;
}

/** The caller's access to a collection: owner, a same-domain grant, or nothing. */
export async function accessTo(
  db: SqlExecutor,
  collection: { id: number; accountId: number },
  accountId: number,
): Promise<EffectiveAccess> {
  if (collection.accountId === accountId) return 'owner';
  const rows = await db.query<{ access: PimAccess }>(
    `SELECT g.access FROM pim_grants g
       JOIN accounts grantee ON grantee.id = g.grantee_id
       JOIN pim_collections c ON c.id = g.collection_id
       JOIN accounts owner ON owner.id = c.account_id
     WHERE g.collection_id = $1 AND g.grantee_id = $2 AND owner.domain_id = grantee.domain_id`,
    [collection.id, accountId],
  );
  return rows.rows[0]?.access ?? null;
}

const VIEW = `SELECT g.collection_id, g.grantee_id, g.access, owner.address AS owner, c.home, c.name AS collection,
    grantee.address AS grantee
  FROM pim_grants g
    JOIN pim_collections c ON c.id = g.collection_id
    JOIN accounts owner ON owner.id = c.account_id
    JOIN accounts grantee ON grantee.id = g.grantee_id AND grantee.domain_id = owner.domain_id`;

interface ViewRow {
  collection_id: string | number;
  grantee_id: string | number;
  access: PimAccess;
  owner: string;
  home: PimHome;
  collection: string;
  grantee: string;
}

const toView = (r: ViewRow): GrantView => ({
  collectionId: Number(r.collection_id),
  granteeAccountId: Number(r.grantee_id),
  access: r.access,
  owner: r.owner,
  home: r.home,
  collection: r.collection,
  grantee: r.grantee,
});

/** Grants on the collections an account owns, and those it received. */
export async function grantsOf(db: SqlExecutor, accountId: number): Promise<GrantView[]> {
  const rows = await db.query<ViewRow>(
    `${VIEW} WHERE c.account_id = $1 OR g.grantee_id = $1 ORDER BY owner.address, c.home, c.name, grantee.address`,
    [accountId],
  );
  return rows.rows.map(toView);
}

/** Collection ids of `ownerId` that `accountId` may read (its view of another user's home). */
export async function sharedWith(
  db: SqlExecutor,
  ownerId: number,
  accountId: number,
): Promise<Map<number, PimAccess>> {
  const rows = await db.query<ViewRow>(`${VIEW} WHERE c.account_id = $1 AND g.grantee_id = $2`, [
    ownerId,
    accountId,
  ]);
  return new Map(rows.rows.map((r) => [Number(r.collection_id), r.access]));
}
