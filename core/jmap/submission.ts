/**
 * EmailSubmission/get|set (RFC 8621 §7): the message goes through the spool (MessageAcceptor),
 * authenticated as the account, with the identity's address as envelope sender. Only identities
 * of the account may send, and the From header must be that identity's address.
 */
import { parseAddressList } from '../mime';
import type { JmapAccount, JmapDeps } from './context';
import { setError, type SetError } from './errors';
import {
  emailIdOf,
  parseEmailId,
  parseIdentityId,
  parseSubmissionId,
  submissionIdOf,
  threadIdOf,
  identityIdOf,
} from './ids';
import { identities } from './identity';
import { loadMessages, rawMessage } from './messages';
import { threadIdsOf } from './threads';
import { guardedSubmit } from '../outbound/guarded-submit';
import { checkAccount, idList, type Args, checkIfInState } from './util';

const addrs = (list: ReturnType<typeof parseAddressList>) =>
  (list ?? []).filter((a) => a.host !== null).map((a) => `${a.mailbox}@${a.host}`.toLowerCase());

/** Drops Bcc fields from the header before the message leaves (RFC 5322 §3.6.3). */
export function stripBcc(raw: Buffer, headerSize: number): Buffer {
  const header = raw.subarray(0, headerSize).toString('latin1');
  const kept = header.replace(/^bcc:[^\r\n]*(\r?\n[ \t][^\r\n]*)*\r?\n/gim, '');
  return Buffer.concat([Buffer.from(kept, 'latin1'), raw.subarray(headerSize)]);
}

async function submissionState(deps: JmapDeps, accountId: number) {
  const r = await deps.db.query<{ m: string }>(
    `SELECT coalesce(max(id), 0) AS m FROM jmap_submissions WHERE account_id = $1`,
    [accountId],
  );
  return 'q' + Number(r.rows[0].m).toString(36);
}

export async function submissionGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const ids = idList(args.ids, 'ids');
  const rows = await deps.db.query<{
    id: string;
    identity_id: string;
    email_id: string;
    thread_id: string | null;
    envelope: unknown;
    send_at: Date;
  }>(`SELECT * FROM jmap_submissions WHERE account_id = $1 ORDER BY id`, [account.id]);
  const all = rows.rows.map((r) => ({
    id: submissionIdOf(r.id),
    identityId: identityIdOf(r.identity_id),
    emailId: emailIdOf(r.email_id),
    threadId: r.thread_id ? threadIdOf(r.thread_id) : null,
    envelope: typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope,
    sendAt: new Date(r.send_at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    undoStatus: 'final',
    deliveryStatus: null,
    dsnBlobIds: [],
    mdnBlobIds: [],
  }));
  return {
    accountId: args.accountId,
    state: await submissionState(deps, account.id),
    list: ids ? all.filter((s) => ids.includes(s.id)) : all,
    notFound: ids ? ids.filter((id) => !all.some((s) => s.id === id)) : [],
  };
}

export async function submissionSet(
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
): Promise<{ response: Record<string, unknown>; emailSet: Args | null }> {
  checkAccount(args, account);
  const oldState = await submissionState(deps, account.id);
  checkIfInState(args, oldState);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const mine = await identities(deps.db, account);
  const resolve = (id: unknown) =>
    typeof id === 'string' && id.startsWith('#') ? createdIds.get(id.slice(1)) : id;
  for (const [cid, raw] of Object.entries((args.create ?? {}) as Record<string, Record<string, unknown>>)) {
    const identity = mine.find((i) => Number(i.id) === parseIdentityId(resolve(raw.identityId)));
    if (!identity) {
      notCreated[cid] = setError('invalidProperties', 'no such identity', ['identityId']);
      continue;
    }
    const emailId = parseEmailId(resolve(raw.emailId));
    const m = emailId === null ? undefined : (await loadMessages(deps, account, [emailId])).get(emailId);
    if (!m) {
      notCreated[cid] = setError('invalidProperties', 'no such email', ['emailId']);
      continue;
    }
    if (!deps.acceptor) {
      notCreated[cid] = setError('forbiddenToSend', 'sending is not available here');
      continue;
    }
    const env = m.structure.envelope;
    const fromAddrs = addrs(env.from);
    if (fromAddrs.length !== 1 || fromAddrs[0] !== identity.email.toLowerCase()) {
      notCreated[cid] = setError('forbiddenFrom', 'From must be the identity address');
      continue;
    }
    const given = raw.envelope as
      { mailFrom?: { email: string }; rcptTo?: { email: string }[] } | null | undefined;
    if (given?.mailFrom && given.mailFrom.email.toLowerCase() !== identity.email.toLowerCase()) {
      notCreated[cid] = setError('forbiddenMailFrom');
      continue;
    }
    const rcpts = given?.rcptTo?.map((r) => r.email.toLowerCase()) ?? [
      ...new Set([...addrs(env.to), ...addrs(env.cc), ...addrs(env.bcc)]),
    ];
    if (rcpts.length === 0) {
      notCreated[cid] = setError('noRecipients');
      continue;
    }
    const data = stripBcc(await rawMessage(deps, m), m.structure.headerSize);
    // Outbound limits and account holds (core/outbound): over a limit, rateLimit (RFC 8621 §7.5).
    const submitted = await guardedSubmit({ ...deps, acceptor: deps.acceptor }, account.address, {
      data,
      mailFrom: identity.email,
      recipients: rcpts.map((address) => ({ address })),
      authenticatedAs: account.address,
      client: { address: '127.0.0.1', helo: 'jmap' },
    });
    if ('refused' in submitted) {
      notCreated[cid] = setError('rateLimit', submitted.refused);
      continue;
    }
    const { queueId } = submitted;
    const thread = (await threadIdsOf(deps, account, [m.id])).get(m.id) ?? null;
    const envelope = {
      mailFrom: { email: identity.email, parameters: null },
      rcptTo: rcpts.map((email) => ({ email, parameters: null })),
    };
    const row = await deps.db.query<{ id: string; send_at: Date }>(
      // The cast: the Data API binds strings as text (no inference to jsonb as with pg).
      `INSERT INTO jmap_submissions (account_id, identity_id, email_id, thread_id, envelope, queue_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING id, send_at`,
      [account.id, identity.id, m.id, thread, JSON.stringify(envelope), queueId],
    );
    const id = submissionIdOf(row.rows[0].id);
    createdIds.set(cid, id);
    created[cid] = {
      id,
      threadId: thread ? threadIdOf(thread) : null,
      sendAt: new Date(row.rows[0].send_at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      undoStatus: 'final',
    };
  }
  const notUpdated: Record<string, SetError> = {};
  for (const id of Object.keys((args.update ?? {}) as object))
    notUpdated[id] = setError('cannotUnsend', 'submissions are final once queued');
  const notDestroyed: Record<string, SetError> = {};
  const destroyed: string[] = [];
  for (const id of idList(args.destroy, 'destroy') ?? []) {
    const r = await deps.db.query(
      `DELETE FROM jmap_submissions WHERE id = $1 AND account_id = $2 RETURNING id`,
      [parseSubmissionId(id) ?? -1, account.id],
    );
    if (r.rows.length === 0) notDestroyed[id] = setError('notFound');
    else destroyed.push(id);
  }

  // onSuccessUpdateEmail / onSuccessDestroyEmail: an implicit Email/set (RFC 8621 §7.5).
  let emailSet: Args | null = null;
  const update: Record<string, unknown> = {};
  const destroy: string[] = [];
  for (const [ref, patch] of Object.entries((args.onSuccessUpdateEmail ?? {}) as Record<string, unknown>)) {
    const sub = ref.startsWith('#') ? ref.slice(1) : null;
    if (sub && created[sub]) {
      const raw = ((args.create ?? {}) as Record<string, Record<string, unknown>>)[sub];
      update[String(resolve(raw.emailId))] = patch;
    }
  }
  for (const ref of (args.onSuccessDestroyEmail ?? []) as string[]) {
    const sub = ref.startsWith('#') ? ref.slice(1) : null;
    if (sub && created[sub])
      destroy.push(
        String(resolve(((args.create ?? {}) as Record<string, Record<string, unknown>>)[sub].emailId)),
      );
  }
  if (Object.keys(update).length > 0 || destroy.length > 0)
    emailSet = { accountId: args.accountId, update, destroy };
  return {
    response: {
      accountId: args.accountId,
      oldState,
      newState: await submissionState(deps, account.id),
      created,
      notCreated,
      updated: {},
      notUpdated,
      destroyed,
      notDestroyed,
    },
    emailSet,
  };
}
