/**
 * SieveScript/set (RFC 9661 §2.4): create (name, blobId), update (rename, new content), destroy
 * (never the active script: scriptIsActive), then onSuccessDeactivateScript and
 * onSuccessActivateScript once every change succeeded. The content is compiled before it is
 * stored; a script that does not compile is refused with invalidSieve.
 */
import { randomBytes } from 'node:crypto';
import { validScriptName, type SieveScriptRecord, type SieveScriptStore } from '../sieve/script-store';
import { DEFAULT_LIMITS, type JmapAccount } from './context';
import { JmapMethodError, setError, type SetError } from './errors';
import { invalidSieve, scriptContent, scriptsState, toJmapScript } from './sieve';
import { parseScriptId, scriptIdOf, sieveStore, type SieveDeps } from './sieve-blob';
import { checkAccount, checkIfInState, type Args } from './util';

type Patch = Record<string, unknown>;
const WRITABLE = ['name', 'blobId'];

function badProperties(patch: Patch): SetError | null {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch))
    return setError('invalidProperties', 'a SieveScript is an object');
  const bad = Object.keys(patch).filter((k) => !WRITABLE.includes(k));
  if (bad.length > 0) return setError('invalidProperties', 'only name and blobId can be set', bad);
  if (
    patch.name !== undefined &&
    patch.name !== null &&
    (typeof patch.name !== 'string' || !validScriptName(patch.name))
  )
    return setError('invalidProperties', 'a name is 1–128 characters without controls', ['name']);
  return null;
}

/** Stores content under a name, as a SetError when refused. */
async function store(
  scripts: SieveScriptStore,
  accountId: string,
  name: string,
  content: string,
): Promise<{ record: SieveScriptRecord } | { error: SetError }> {
  const put = await scripts.put(accountId, name, content);
  if (put.ok) return { record: put.record };
  if ('error' in put) return { error: invalidSieve(put.error) };
  return {
    error:
      put.quota === 'size'
        ? setError('tooLarge', `a script is at most ${scripts.limits.maxScriptBytes} bytes`)
        : setError('overQuota', `at most ${scripts.limits.maxScripts} scripts`),
  };
}

export async function sieveScriptSet(
  deps: SieveDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
) {
  checkAccount(args, account);
  const count =
    Object.keys((args.create ?? {}) as object).length +
    Object.keys((args.update ?? {}) as object).length +
    (Array.isArray(args.destroy) ? args.destroy.length : 0);
  if (count > DEFAULT_LIMITS.maxObjectsInSet)
    throw new JmapMethodError('requestTooLarge', `at most ${DEFAULT_LIMITS.maxObjectsInSet} objects`);
  const scripts = sieveStore(deps);
  const accountId = String(account.id);
  const oldState = scriptsState(await scripts.list(accountId));
  checkIfInState(args, oldState);

  const created: Record<string, Record<string, unknown>> = {};
  const notCreated: Record<string, SetError> = {};
  for (const [cid, patch] of Object.entries((args.create ?? {}) as Record<string, Patch>)) {
    const bad = badProperties(patch);
    if (bad) {
      notCreated[cid] = bad;
      continue;
    }
    const name = typeof patch.name === 'string' ? patch.name : `script-${randomBytes(4).toString('hex')}`;
    const existing = await scripts.get(accountId, name);
    if (existing) {
      notCreated[cid] = {
        ...setError('alreadyExists', `a script is named ${name}`),
        existingId: scriptIdOf(existing.id),
      } as SetError;
      continue;
    }
    const got = await scriptContent(deps, account, patch.blobId);
    const stored = 'error' in got ? got : await store(scripts, accountId, name, got.content);
    if ('error' in stored) {
      notCreated[cid] = stored.error;
      continue;
    }
    const view = toJmapScript(stored.record);
    createdIds.set(cid, view.id);
    created[cid] = { id: view.id, name: view.name, blobId: view.blobId, isActive: view.isActive };
  }

  const updated: Record<string, Record<string, unknown> | null> = {};
  const notUpdated: Record<string, SetError> = {};
  for (const [id, patch] of Object.entries((args.update ?? {}) as Record<string, Patch>)) {
    const row = parseScriptId(id);
    let record = row ? await scripts.getById(accountId, row) : null;
    if (!record) {
      notUpdated[id] = setError('notFound');
      continue;
    }
    const bad =
      badProperties(patch) ?? (patch.name === null ? setError('invalidProperties', 'name', ['name']) : null);
    if (bad) {
      notUpdated[id] = bad;
      continue;
    }
    if (typeof patch.name === 'string' && patch.name !== record.name) {
      const renamed = await scripts.rename(accountId, record.name, patch.name);
      if (renamed !== 'ok') {
        notUpdated[id] =
          renamed === 'exists'
            ? setError('alreadyExists', `a script is named ${patch.name}`)
            : setError('notFound');
        continue;
      }
      record = { ...record, name: patch.name };
    }
    if (patch.blobId !== undefined) {
      const got = await scriptContent(deps, account, patch.blobId);
      const stored = 'error' in got ? got : await store(scripts, accountId, record.name, got.content);
      if ('error' in stored) {
        notUpdated[id] = stored.error;
        continue;
      }
      updated[id] = { blobId: toJmapScript(stored.record).blobId };
    } else updated[id] = null;
  }

  const destroyed: string[] = [];
  const notDestroyed: Record<string, SetError> = {};
  for (const id of Array.isArray(args.destroy) ? (args.destroy as unknown[]) : []) {
    const row = parseScriptId(id);
    const record = row ? await scripts.getById(accountId, row) : null;
    const done = record ? await scripts.remove(accountId, record.name) : 'missing';
    if (done === 'ok') destroyed.push(String(id));
    else notDestroyed[String(id)] = done === 'active' ? setError('scriptIsActive') : setError('notFound');
  }

  const allDone = [notCreated, notUpdated, notDestroyed].every((m) => Object.keys(m).length === 0);
  if (allDone) await activation(scripts, accountId, args, createdIds, created, updated);

  return {
    accountId: args.accountId,
    oldState,
    newState: scriptsState(await scripts.list(accountId)),
    created,
    notCreated,
    updated,
    notUpdated,
    destroyed,
    notDestroyed,
  };
}

/** Deactivation first, then activation (RFC 9661 §2.4); an unknown id to activate is ignored. */
async function activation(
  scripts: SieveScriptStore,
  accountId: string,
  args: Args,
  createdIds: Map<string, string>,
  created: Record<string, Record<string, unknown>>,
  updated: Record<string, Record<string, unknown> | null>,
) {
  const before = await scripts.active(accountId);
  const mark = (id: string, isActive: boolean) => {
    const cid = Object.keys(created).find((c) => created[c].id === id);
    if (cid) created[cid].isActive = isActive;
    else updated[id] = { ...(updated[id] ?? {}), isActive };
  };
  let current = before;
  if (args.onSuccessDeactivateScript === true && current) {
    await scripts.setActive(accountId, null);
    mark(scriptIdOf(current.id), false);
    current = null;
  }
  const wanted = args.onSuccessActivateScript;
  if (typeof wanted !== 'string') return;
  const id = wanted.startsWith('#') ? createdIds.get(wanted.slice(1)) : wanted;
  const row = parseScriptId(id);
  const target = row ? await scripts.getById(accountId, row) : null;
  if (!target || target.id === current?.id) return;
  await scripts.setActive(accountId, target.name);
  if (current) mark(scriptIdOf(current.id), false);
  mark(scriptIdOf(target.id), true);
}
