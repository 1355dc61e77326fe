/** Blob upload/download (RFC 8620 §6): uploads are account-scoped; message blobs only of own messages. */
import { acquireBlob, ensureStored, releaseBlob } from '../store/blob-refs';
import type { JmapAccount, JmapDeps } from './context';
import { bodyLists, partAt, partBytes } from './email-body';
import { accountIdOf, blobIdOf, parseBlobId } from './ids';
import { loadMessages, rawMessage } from './messages';
import { readScriptBlob } from './sieve-blob';

export interface BlobContent {
  data: Buffer;
  type: string;
  name: string | null;
}

export async function uploadBlob(deps: JmapDeps, account: JmapAccount, data: Buffer, type: string) {
  const info = await deps.blobs.put(data);
  const id = await deps.db.transaction(async (tx) => {
    await acquireBlob(tx, info.key, info.size);
    const row = await tx.query<{ id: string }>(
      `INSERT INTO jmap_uploads (account_id, blob_key, size, type) VALUES ($1, $2, $3, $4) RETURNING id`,
      [account.id, info.key, info.size, type || 'application/octet-stream'],
    );
    return Number(row.rows[0].id);
  });
  await ensureStored(deps.blobs, info.key, data);
  return {
    accountId: accountIdOf(account.id),
    blobId: blobIdOf({ kind: 'upload', uploadId: id }),
    type,
    size: info.size,
  };
}

export async function readBlob(
  deps: JmapDeps,
  account: JmapAccount,
  blobId: string,
): Promise<BlobContent | null> {
  if (blobId.startsWith('bS')) return readScriptBlob(deps, account, blobId);
  const ref = parseBlobId(blobId);
  if (!ref) return null;
  if (ref.kind === 'upload') {
    const row = await deps.db.query<{ blob_key: string; type: string }>(
      `SELECT blob_key, type FROM jmap_uploads WHERE id = $1 AND account_id = $2`,
      [ref.uploadId, account.id],
    );
    if (!row.rows[0]) return null;
    return { data: await deps.blobs.get(row.rows[0].blob_key), type: row.rows[0].type, name: null };
  }
  const m = (await loadMessages(deps, account, [ref.messageId])).get(ref.messageId);
  if (!m) return null;
  const raw = await rawMessage(deps, m);
  if (!ref.part) return { data: raw, type: 'message/rfc822', name: null };
  const part = partAt(m.structure, ref.part);
  if (!part || part.kind === 'multipart') return null;
  const lists = bodyLists(m.id, m.structure);
  const leaf = [...lists.attachments, ...lists.textBody, ...lists.htmlBody].find(
    (l) => l.path.join('.') === ref.part!.join('.'),
  );
  return {
    data: partBytes(raw, part),
    type: `${part.type}/${part.subtype}`.toLowerCase(),
    name: leaf?.jmap.name ?? null,
  };
}

/** Uploads older than a day are released (RFC 8620 §6.1 lets the server expire unreferenced uploads). */
export async function expireUploads(deps: Pick<JmapDeps, 'db'>, maxAgeSeconds = 86_400): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const rows = await tx.query<{ blob_key: string }>(
      `DELETE FROM jmap_uploads WHERE created_at < now() - make_interval(secs => $1) RETURNING blob_key`,
      [maxAgeSeconds],
    );
    for (const r of rows.rows) await releaseBlob(tx, r.blob_key);
    return rows.rows.length;
  });
}
