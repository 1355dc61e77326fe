/**
 * Forwarding/get|set: the account's forwarding as a JMAP singleton (a Nimbus capability, shaped
 * like VacationResponse, RFC 8621 §8). Properties: targets (addresses), keepCopy (boolean).
 * The setting is the one admins see (core/directory/account-forwarding.ts); routing honours it.
 */
import { DirectoryError } from '../directory/errors';
import type { JmapAccount, JmapDeps } from './context';
import { setError, type SetError } from './errors';
import { singletonGet, singletonSet } from './singleton';
import type { Args } from './util';

async function load(deps: JmapDeps, account: JmapAccount) {
  const f = await deps.directory.forwarding.get(account.address);
  return { id: 'singleton' as const, targets: f.targets, keepCopy: f.keepCopy };
}

export function forwardingGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  return singletonGet(account, args, () => load(deps, account));
}

export function forwardingSet(deps: JmapDeps, account: JmapAccount, args: Args) {
  return singletonSet(
    account,
    args,
    () => load(deps, account),
    (before, patch) => update(deps, account, before, patch),
  );
}

async function update(
  deps: JmapDeps,
  account: JmapAccount,
  before: Record<string, unknown>,
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
