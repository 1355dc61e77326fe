/**
 * Archiving a post: its bytes in the blob store (one reference held by the list_archive row), its
 * structure and decoded search text in SQL, so reading, browsing by month and searching never
 * re-parse it. Idempotent on (list, blob): a fan-out retried after a crash archives once.
 */
import { randomBytes } from 'node:crypto';
import { decodeHeaderValue, extractSearchText, parseMessageStructure } from '../../mime';
import { sentTime } from '../../store/search/search-engine';
import { acquireBlob, ensureStored, releaseBlob } from '../../store/blob-refs';
import type { ListDeps } from '../deps';
import { archiveUrl } from './permalink';

export interface ArchiveList {
  id: string;
  domain: string;
  localPart: string;
  archive: 'members' | 'public' | 'none';
}

const clean = (s: string): string => s.replace(/\u0000/g, '');

export async function archivePost(
  deps: ListDeps,
  list: ArchiveList,
  message: Buffer,
): Promise<{ url: string | null; messageId?: string }> {
  if (list.archive === 'none') return { url: null };
  const address = `${list.localPart}@${list.domain}`.toLowerCase();
  const structure = parseMessageStructure(message);
  const env = structure.envelope;
  const text = extractSearchText(message, structure);
  const fromLine = text.headers.split('\n').find((l) => /^from:/i.test(l)) ?? '';
  const blob = await deps.blobs.put(message);
  const now = deps.now();
  const sent = sentTime(env.date);
  const id = await deps.db.transaction(async (tx) => {
    // The reference first (it creates the blobs row the archive row points at); given back if a duplicate.
    await acquireBlob(tx, blob.key, blob.size);
    const inserted = await tx.query<{ public_id: string }>(
      `INSERT INTO list_archive (list_id, public_id, blob_key, size, structure, message_id, subject, from_text,
         sent_at, archived_at, month, search_headers, search_body)
       VALUES ($1::bigint, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (list_id, blob_key) DO NOTHING RETURNING public_id`,
      [
        list.id,
        randomBytes(12).toString('base64url'),
        blob.key,
        blob.size,
        JSON.stringify(structure),
        env.messageId,
        clean(decodeHeaderValue(env.subject ?? '')),
        clean(fromLine.slice(5).trim()),
        sent === null ? null : new Date(sent),
        now,
        now.toISOString().slice(0, 7),
        clean(text.headers),
        clean(text.body),
      ],
    );
    if (inserted.rows[0]) return inserted.rows[0].public_id;
    await releaseBlob(tx, blob.key);
    const existing = await tx.query<{ public_id: string }>(
      `SELECT public_id FROM list_archive WHERE list_id = $1::bigint AND blob_key = $2`,
      [list.id, blob.key],
    );
    return existing.rows[0].public_id;
  });
  await ensureStored(deps.blobs, blob.key, message);
  return { url: archiveUrl(deps.settings.webBase, address, id), messageId: env.messageId ?? undefined };
}

/** Removes one archived post (an owner's takedown), releasing its blob reference. */
export async function removeArchived(
  deps: Pick<ListDeps, 'db'>,
  listId: string,
  id: string,
): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const gone = await tx.query<{ blob_key: string }>(
      `DELETE FROM list_archive WHERE list_id = $1::bigint AND public_id = $2 RETURNING blob_key`,
      [listId, id],
    );
    if (gone.rows[0]) await releaseBlob(tx, gone.rows[0].blob_key);
    return gone.rows.length > 0;
  });
}
