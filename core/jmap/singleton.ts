/**
 * /get and /set for objects that exist exactly once per account with id "singleton"
 * (VacationResponse, RFC 8621 §8; Nimbus's Forwarding): create and destroy are refused with the
 * `singleton` SetError, only updates apply.
 */
import { createHash } from 'node:crypto';
import { setError, type SetError } from './errors';
import { checkAccount, type Args, checkIfInState } from './util';
import type { JmapAccount } from './context';

type Singleton = { id: 'singleton' } & Record<string, unknown>;

/** The state string: a digest of the value, so any change to it gives a new state. */
const singletonState = (value: object): string =>
  'v' + createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);

export async function singletonGet(account: JmapAccount, args: Args, load: () => Promise<Singleton>) {
  checkAccount(args, account);
  const value = await load();
  const ids = Array.isArray(args.ids) ? (args.ids as string[]) : null;
  return {
    accountId: args.accountId,
    state: singletonState(value),
    list: !ids || ids.includes('singleton') ? [value] : [],
    notFound: ids ? ids.filter((i) => i !== 'singleton') : [],
  };
}

/** `update` applies a patch to the current value; it returns a SetError to refuse it. */
export async function singletonSet(
  account: JmapAccount,
  args: Args,
  load: () => Promise<Singleton>,
  update: (before: Singleton, patch: Record<string, unknown>) => Promise<SetError | null>,
) {
  checkAccount(args, account);
  const before = await load();
  checkIfInState(args, singletonState(before));
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
    const failure = await update(before, patch);
    if (failure) notUpdated[id] = failure;
    else updated[id] = null;
  }
  return {
    accountId: args.accountId,
    oldState: singletonState(before),
    newState: singletonState(await load()),
    created: {},
    notCreated,
    updated,
    notUpdated,
    destroyed: [],
    notDestroyed,
  };
}
