/**
 * Forwarding/get|set: the account's forwarding as a JMAP singleton (a Nimbus capability, shaped
 * like VacationResponse, RFC 8621 §8). Properties: targets (addresses), keepCopy (boolean).
 * The setting is the one admins see (core/directory/account-forwarding.ts); routing honours it.
 */
import { DirectoryError } from '../directory/errors';
import type { JmapAccount, JmapDeps } from './context';
import { JmapMethodError, setError, type SetError } from './errors';
import { checkAccount, singletonState, type Args } from './util';

async function load(deps: JmapDeps, account: JmapAccount) {
  const f = await deps.directory.forwarding.get(account.address);
  return { id: 'singleton', targets: f.targets, keepCopy: f.keepCopy };
}

export async function forwardingGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const value = await load(deps, account);
  const ids = Array.isArray(args.ids) ? (args.ids as string[]) : null;
  return {
    accountId: args.accountId,
    state: singletonState(value),
    list: !ids || ids.includes('singleton') ? [value] : [],
    notFound: ids ? ids.filter((i) => i !== 'singleton') : [],
  };
}

export async function forwardingSet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const before = await load(deps, account);
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== singletonState(before))
    throw new JmapMethodError('stateMismatch');
  const notCreated: Record<string, SetError> = {};
  for (const cid of Object.keys((args.create ?? {}) as object)) notCreated[cid] = setError('singleton');
  const notDestroyed: Record<string, SetError> = {};
  for (const id of (args.destroy ?? []) as string[]) notDestroyed[id] = setError('singleton');
  const updated: Record<string, null> = {};
  const notUpdated: Record<string, SetError> = {};
  for (const [id, patch] of Object.entries((args.update ?? {}) as Record<string, Record<string, unknown>>)) {
    if (id !== 'singleton') {
      notUpdated[id] = setError('notFound');
      continue;
    }
    const failure = await update(deps, account, before, patch);
    if (failure) notUpdated[id] = failure;
    else updated[id] = null;
  }
  return {
    accountId: args.accountId,
    oldState: singletonState(before),
    newState: singletonState(await load(deps, account)),
    created: {},
    notCreated,
    updated,
    notUpdated,
    destroyed: [],
    notDestroyed,
  };
}

async function update(
  deps: JmapDeps,
  account: JmapAccount,
  before: { targets: string[]; keepCopy: boolean },
  patch: Record<string, unknown>,
): Promise<SetError | null> {
  const unknown = Object.keys(patch).filter((k) => k !== 'targets' && k !== 'keepCopy');
  if (unknown.length > 0) return setError('invalidProperties', 'unknown property', unknown);
  const targets = patch.targets ?? before.targets;
  const keepCopy = patch.keepCopy ?? before.keepCopy;
  if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string'))
    return setError('invalidProperties', 'targets must be a list of addresses', ['targets']);
  if (typeof keepCopy !== 'boolean')
    return setError('invalidProperties', 'keepCopy must be a boolean', ['keepCopy']);
  try {
    await deps.directory.forwarding.set(account.address, targets as string[], keepCopy);
    return null;
  } catch (error) {
    if (error instanceof DirectoryError) return setError('invalidProperties', error.message, ['targets']);
    throw error;
  }
}
