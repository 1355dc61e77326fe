/**
 * Blobs of JMAP Sieve (RFC 9661 §2.2): a script's content is a blob `bS<script id>_<digest>`.
 * The digest names the content, so the id changes with every edit (blobs are immutable) and an
 * old blob id of a script that has moved on is no longer found.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_SIEVE_LIMITS,
  SieveScriptStore,
  type SieveLimits,
  type SieveScriptRecord,
} from '../sieve/script-store';
import type { JmapAccount, JmapDeps } from './context';

/** The deps may carry the `sieve` settings' limits (the node's); the defaults otherwise. */
export type SieveDeps = JmapDeps & { sieveLimits?: SieveLimits };

export const sieveStore = (deps: SieveDeps): SieveScriptStore =>
  new SieveScriptStore(deps.db, deps.sieveLimits ?? DEFAULT_SIEVE_LIMITS);

const digest = (content: string): string =>
  createHash('sha256').update(content, 'utf8').digest('base64url').slice(0, 22);

export const scriptIdOf = (id: string): string => 'S' + Number(id).toString(36);
export function parseScriptId(id: unknown): string | null {
  if (typeof id !== 'string' || !/^S[0-9a-z]{1,12}$/.test(id)) return null;
  const n = parseInt(id.slice(1), 36);
  return Number.isSafeInteger(n) && n > 0 ? String(n) : null;
}

export const scriptBlobIdOf = (r: SieveScriptRecord): string =>
  `bS${Number(r.id).toString(36)}_${digest(r.content)}`;

/** The content of a script blob of this account, or null (not ours, not a script blob, stale). */
export async function readScriptBlob(
  deps: SieveDeps,
  account: JmapAccount,
  blobId: string,
): Promise<{ data: Buffer; type: string; name: string | null } | null> {
  const m = /^bS([0-9a-z]{1,12})_([\w-]{22})$/.exec(blobId);
  if (!m) return null;
  const record = await sieveStore(deps).getById(String(account.id), String(parseInt(m[1], 36)));
  if (!record || digest(record.content) !== m[2]) return null;
  return { data: Buffer.from(record.content, 'utf8'), type: 'application/sieve', name: `${record.name}.siv` };
}
