/**
 * JMAP Sieve (RFC 9661): SieveScript/get, /query and /validate, and the capability objects.
 * /set is in sieve-set.ts. Scripts are the account's Sieve scripts (core/sieve/script-store), the
 * same ones ManageSieve and the webmail's rules editor edit; content travels as blobs.
 */
import { createHash } from 'node:crypto';
import { SIEVE_EXTENSIONS } from '../sieve';
import { readBlob } from './blobs';
import type { JmapAccount } from './context';
import { JmapMethodError, setError, type SetError } from './errors';
import {
  parseScriptId,
  readScriptBlob,
  scriptBlobIdOf,
  scriptIdOf,
  sieveStore,
  type SieveDeps,
} from './sieve-blob';
import { checkAccount, idList, type Args } from './util';
import type { SieveScriptRecord } from '../sieve/script-store';

export const SIEVE_CAPABILITY = 'urn:ietf:params:jmap:sieve';
const PROPERTIES = ['id', 'name', 'blobId', 'isActive'] as const;

/** The account capability (RFC 9661 §1.2.1). */
export function sieveAccountCapability(deps: Pick<SieveDeps, 'sieveLimits'>, limits = deps.sieveLimits) {
  return {
    maxSizeScriptName: 128,
    maxSizeScript: limits?.maxScriptBytes ?? 64 * 1024,
    maxNumberScripts: limits?.maxScripts ?? 20,
    maxNumberRedirects: limits?.maxRedirects ?? 4,
    sieveExtensions: [...SIEVE_EXTENSIONS],
    notificationMethods: null,
    externalLists: null,
    implementation: 'Nimbus Mail',
  };
}

export const toJmapScript = (r: SieveScriptRecord) => ({
  id: scriptIdOf(r.id),
  name: r.name,
  blobId: scriptBlobIdOf(r),
  isActive: r.active,
});

/** The state: a digest of every script's id, name, content and active flag. */
export function scriptsState(all: SieveScriptRecord[]): string {
  const h = createHash('sha256');
  for (const r of [...all].sort((a, b) => Number(a.id) - Number(b.id)))
    h.update(`${r.id}\0${r.name}\0${r.active}\0${r.content}\0`);
  return 's' + h.digest('base64url').slice(0, 22);
}

export async function sieveScriptGet(deps: SieveDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const ids = idList(args.ids, 'ids');
  const props = Array.isArray(args.properties) ? (args.properties as unknown[]) : null;
  if (props?.some((p) => !PROPERTIES.includes(p as (typeof PROPERTIES)[number])))
    throw new JmapMethodError('invalidArguments', 'unknown property');
  const all = await sieveStore(deps).list(String(account.id));
  const byId = new Map(all.map((r) => [scriptIdOf(r.id), r]));
  const wanted = ids ?? [...byId.keys()];
  const pick = (o: Record<string, unknown>) =>
    props ? Object.fromEntries(Object.entries(o).filter(([k]) => k === 'id' || props.includes(k))) : o;
  return {
    accountId: args.accountId,
    state: scriptsState(all),
    list: wanted.filter((id) => byId.has(id)).map((id) => pick(toJmapScript(byId.get(id)!))),
    notFound: wanted.filter((id) => !byId.has(id)),
  };
}

export async function sieveScriptQuery(deps: SieveDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const all = await sieveStore(deps).list(String(account.id));
  let list = all.map(toJmapScript);
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(filter))
    if (key !== 'name' && key !== 'isActive') throw new JmapMethodError('unsupportedFilter', key);
  if (typeof filter.name === 'string') {
    const needle = filter.name.toLowerCase();
    list = list.filter((s) => s.name.toLowerCase().includes(needle));
  }
  if (typeof filter.isActive === 'boolean') list = list.filter((s) => s.isActive === filter.isActive);
  const sort = Array.isArray(args.sort) ? (args.sort as { property?: string; isAscending?: boolean }[]) : [];
  for (const s of [...sort].reverse()) {
    if (s.property !== 'name' && s.property !== 'isActive')
      throw new JmapMethodError('unsupportedSort', String(s.property));
    const key = s.property;
    const dir = s.isAscending === false ? -1 : 1;
    list.sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : 0));
  }
  const position = Number(args.position ?? 0);
  if (!Number.isSafeInteger(position) || position < 0)
    throw new JmapMethodError('invalidArguments', 'position');
  const limit = args.limit === undefined || args.limit === null ? list.length : Number(args.limit);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new JmapMethodError('invalidArguments', 'limit');
  return {
    accountId: args.accountId,
    queryState: scriptsState(all),
    canCalculateChanges: false,
    position,
    ids: list.slice(position, position + limit).map((s) => s.id),
    total: list.length,
  };
}

/** A blob's text as a script: an upload or another script's content; errors as SetErrors. */
export async function scriptContent(
  deps: SieveDeps,
  account: JmapAccount,
  blobId: unknown,
): Promise<{ content: string } | { error: SetError }> {
  if (typeof blobId !== 'string')
    return { error: setError('invalidProperties', 'blobId is required', ['blobId']) };
  const blob = (await readScriptBlob(deps, account, blobId)) ?? (await readBlob(deps, account, blobId));
  if (!blob) return { error: setError('blobNotFound', `no blob ${blobId}`, ['blobId']) };
  const limits = sieveStore(deps).limits;
  if (blob.data.length > limits.maxScriptBytes)
    return { error: setError('tooLarge', `a script is at most ${limits.maxScriptBytes} bytes`, ['blobId']) };
  try {
    return { content: new TextDecoder('utf-8', { fatal: true }).decode(blob.data) };
  } catch {
    return { error: setError('invalidSieve', 'the script is not UTF-8') };
  }
}

/** A compile error as RFC 9661's invalidSieve SetError, the position in the description. */
export const invalidSieve = (e: { line: number; column: number; message: string }): SetError =>
  setError('invalidSieve', `line ${e.line}, column ${e.column}: ${e.message}`);

export async function sieveScriptValidate(deps: SieveDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const got = await scriptContent(deps, account, args.blobId);
  if ('error' in got) {
    if (got.error.type === 'blobNotFound' || got.error.type === 'invalidProperties')
      throw new JmapMethodError('invalidArguments', got.error.description);
    return { accountId: args.accountId, error: got.error };
  }
  const compiled = sieveStore(deps).check(got.content);
  return { accountId: args.accountId, error: compiled.ok ? null : invalidSieve(compiled.error) };
}

export { parseScriptId };
