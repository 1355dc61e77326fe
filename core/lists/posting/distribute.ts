import { acquireBlob, ensureStored } from '../../store/blob-refs';
import { archiveIndexUrl, archivePost } from '../archive';
import type { ListDeps } from '../deps';
import type { ListPost, MailingList, PostDistributor } from '../types';
import { bouncesAddress } from '../verp';
import { authorDmarcPolicy } from './dmarc';
import { splitMessage } from './header-block';
import { authorOf } from './mitigate';
import { arcSeal } from './sign';
import { buildListCopy } from './transform';

/** L3's archive (core/lists/archive): stores the copy, returns its Archived-At URL. */
export type ArchivePost = (
  deps: ListDeps,
  list: MailingList,
  message: Buffer,
) => Promise<{ url: string | null }>;

export interface DistributorHooks {
  archivePost?: ArchivePost;
  /** List-Archive (RFC 2369) of a list whose archive is readable, or null. */
  archiveListUrl?: (list: MailingList) => string | null;
}

/** The spool id of a post's fan-out job: one per post and list (a post may name two lists). */
export function fanoutQueueId(post: ListPost, list: MailingList): string {
  return `${post.queueId}.L${list.id}`;
}

/**
 * The posting pipeline's entry (L1's PostDistributor): builds the list copy (DMARC mitigation,
 * List-* fields, prefix, footer), archives it, seals it with ARC, stores it as a blob and
 * enqueues ONE fan-out job on the inbound queue; the delivery role runs it (fanout.ts runFanout).
 * Retried posts build the same bytes (no randomness; times come from the post), so the blob and
 * the job are the same ones: enqueue is idempotent on the job id, the blob reference is taken once.
 */
export function createPostDistributor(deps: ListDeps, overrides: DistributorHooks = {}): PostDistributor {
  const hooks = { ...defaultHooks(deps), ...overrides };
  return {
    async distribute(list, post) {
      const author = authorOf(splitMessage(post.body).fields);
      const authorPolicy =
        (list.dmarcMitigation ?? 'munge-from') === 'none'
          ? 'none'
          : await authorDmarcPolicy(deps.resolver, author?.domain ?? null);
      const listUrl = hooks.archiveListUrl?.(list) ?? null;
      let archiveUrl: string | null = null;
      if (hooks.archivePost) {
        // The archived copy is the list copy without Archived-At (which points at it); the same
        // bytes on a retry, so the archive (idempotent on list and blob) keeps one.
        const archived = buildListCopy({
          list,
          post: post.body,
          authorPolicy,
          archive: { url: null, listUrl },
        });
        archiveUrl = (await hooks.archivePost(deps, list, archived)).url;
      }
      let copy = buildListCopy({
        list,
        post: post.body,
        authorPolicy,
        archive: { url: archiveUrl, listUrl },
      });
      const key = await deps.dkimKey(list.domain);
      if (key) copy = await arcSeal(copy, key, new Date(post.receivedAt));

      const queueId = fanoutQueueId(post, list);
      const blob = await deps.blobs.put(copy);
      await deps.spool.enqueue('inbound', queueId, {
        queueId,
        blobKey: blob.key,
        size: blob.size,
        mailFrom: bouncesAddress(list.address),
        recipients: [],
        receivedAt: post.receivedAt,
        list: { kind: 'fanout', listId: list.id, postBlobKey: blob.key, postSize: blob.size },
      });
      await deps.db.transaction(async (tx) => {
        const fresh = await tx.query(
          `INSERT INTO deliveries (queue_id, recipient) VALUES ($1, '#list-fanout') ON CONFLICT DO NOTHING RETURNING 1`,
          [queueId],
        );
        if (fresh.rows.length > 0) await acquireBlob(tx, blob.key, blob.size);
      });
      await ensureStored(deps.blobs, blob.key, copy);
    },
  };
}

/** L3's archive (core/lists/archive): every list whose archive is not switched off. */
function defaultHooks(deps: ListDeps): DistributorHooks {
  return {
    archivePost: async (_deps, list, message) => {
      const archived = await archivePost(
        deps,
        { id: list.id, domain: list.domain, localPart: list.localPart, archive: list.archiveVisibility },
        message,
      );
      return { url: archived.url };
    },
    archiveListUrl: (list) =>
      list.archiveVisibility === 'none' ? null : archiveIndexUrl(deps.settings.webBase, list.address),
  };
}
