/** Identity/get|set (RFC 8621 §6): only the account's own address and its aliases may be used. */
import type { SqlExecutor } from '../ports/sql';
import type { JmapAccount, JmapDeps } from './context';
import { JmapMethodError, setError, type SetError } from './errors';
import { identityIdOf, parseIdentityId } from './ids';
import { checkAccount, idList, ownAddresses, type Args, checkIfInState } from './util';

interface IdentityRow {
  id: string;
  name: string;
  email: string;
  reply_to: unknown;
  bcc: unknown;
  text_signature: string;
  html_signature: string;
  modseq: string;
}

const toJmap = (r: IdentityRow) => ({
  id: identityIdOf(r.id),
  name: r.name,
  email: r.email,
  replyTo: r.reply_to ?? null,
  bcc: r.bcc ?? null,
  textSignature: r.text_signature,
  htmlSignature: r.html_signature,
  mayDelete: true,
});

export async function identities(db: SqlExecutor, account: JmapAccount): Promise<IdentityRow[]> {
  let rows = await db.query<IdentityRow>(`SELECT * FROM jmap_identities WHERE account_id = $1 ORDER BY id`, [
    account.id,
  ]);
  if (rows.rows.length === 0) {
    await db.query(`INSERT INTO jmap_identities (account_id, email) VALUES ($1, $2)`, [
      account.id,
      account.address,
    ]);
    rows = await db.query<IdentityRow>(`SELECT * FROM jmap_identities WHERE account_id = $1 ORDER BY id`, [
      account.id,
    ]);
  }
  return rows.rows;
}

async function identityState(db: SqlExecutor, accountId: number): Promise<string> {
  const r = await db.query<{ n: string; s: string; m: string }>(
    `SELECT count(*) AS n, coalesce(sum(modseq), 0) AS s, coalesce(max(id), 0) AS m FROM jmap_identities WHERE account_id = $1`,
    [accountId],
  );
  return `i${Number(r.rows[0].n).toString(36)}-${Number(r.rows[0].s).toString(36)}-${Number(r.rows[0].m).toString(36)}`;
}

export async function identityGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const all = (await identities(deps.db, account)).map(toJmap);
  const ids = idList(args.ids, 'ids');
  return {
    accountId: args.accountId,
    state: await identityState(deps.db, account.id),
    list: ids ? all.filter((i) => ids.includes(i.id)) : all,
    notFound: ids ? ids.filter((id) => !all.some((i) => i.id === id)) : [],
  };
}

export async function identityChanges(_deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  throw new JmapMethodError('cannotCalculateChanges', 'fetch all identities again');
}

export async function identitySet(
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
) {
  checkAccount(args, account);
  const oldState = await identityState(deps.db, account.id);
  checkIfInState(args, oldState);
  await identities(deps.db, account);
  const allowed = await ownAddresses(deps.db, account);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const updated: Record<string, null> = {};
  const notUpdated: Record<string, SetError> = {};
  const destroyed: string[] = [];
  const notDestroyed: Record<string, SetError> = {};
  for (const [cid, raw] of Object.entries((args.create ?? {}) as Record<string, Record<string, unknown>>)) {
    const email = String(raw.email ?? '').toLowerCase();
    if (!allowed.includes(email)) {
      notCreated[cid] = setError('forbiddenFrom', 'not an address of this account', ['email']);
      continue;
    }
    const row = await deps.db.query<{ id: string }>(
      `INSERT INTO jmap_identities (account_id, name, email, reply_to, bcc, text_signature, html_signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        account.id,
        String(raw.name ?? ''),
        email,
        JSON.stringify(raw.replyTo ?? null),
        JSON.stringify(raw.bcc ?? null),
        String(raw.textSignature ?? ''),
        String(raw.htmlSignature ?? ''),
      ],
    );
    createdIds.set(cid, identityIdOf(row.rows[0].id));
    created[cid] = { id: identityIdOf(row.rows[0].id), mayDelete: true };
  }
  const columns: Record<string, string> = {
    name: 'name',
    replyTo: 'reply_to',
    bcc: 'bcc',
    textSignature: 'text_signature',
    htmlSignature: 'html_signature',
  };
  for (const [id, patch] of Object.entries((args.update ?? {}) as Record<string, Record<string, unknown>>)) {
    const n = parseIdentityId(id);
    const bad = Object.keys(patch).filter((k) => !columns[k]);
    if (bad.length > 0) {
      notUpdated[id] = setError('invalidProperties', 'immutable or unknown', bad);
      continue;
    }
    const sets = Object.keys(patch).map((k, i) => `${columns[k]} = $${i + 3}`);
    const values = Object.entries(patch).map(([k, v]) =>
      k === 'replyTo' || k === 'bcc' ? JSON.stringify(v) : String(v ?? ''),
    );
    const r = await deps.db.query(
      `UPDATE jmap_identities SET ${[...sets, 'modseq = modseq + 1'].join(', ')} WHERE id = $1 AND account_id = $2 RETURNING id`,
      [n ?? -1, account.id, ...values],
    );
    if (r.rows.length === 0) notUpdated[id] = setError('notFound');
    else updated[id] = null;
  }
  for (const id of idList(args.destroy, 'destroy') ?? []) {
    const r = await deps.db.query(
      `DELETE FROM jmap_identities WHERE id = $1 AND account_id = $2 RETURNING id`,
      [parseIdentityId(id) ?? -1, account.id],
    );
    if (r.rows.length === 0) notDestroyed[id] = setError('notFound');
    else destroyed.push(id);
  }
  return {
    accountId: args.accountId,
    oldState,
    newState: await identityState(deps.db, account.id),
    created,
    notCreated,
    updated,
    notUpdated,
    destroyed,
    notDestroyed,
  };
}
