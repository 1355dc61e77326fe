/**
 * The mailing lists' part of the composition root: the ListDeps the list code runs on, the
 * delivery hook (posts, commands, bounces) and the spool tasks the delivery role runs for lists
 * (a post's fan-out, a digest). One place so the node and the tests build them the same way.
 */
import type { DkimKeyStore, DkimSigningKey } from '../../core/dkim/dkim-keys';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import type { Directory } from '../../core/directory/directory';
import { createBounceHandler } from '../../core/lists/bounces/handle';
import type { ListDeps } from '../../core/lists/deps';
import { addToDigest, handleDigestJob } from '../../core/lists/digest';
import { ListDelivery } from '../../core/lists/list-delivery';
import { createPostDistributor } from '../../core/lists/posting/distribute';
import { runFanout } from '../../core/lists/posting/fanout';
import type { PostDistributor } from '../../core/lists/types';
import type { Resolver } from '../../core/ports/resolver';
import type { LeasedJob } from '../../core/ports/spool';
import type { MailboxStore } from '../../core/store/mailbox-store';
import type { Logger } from 'pino';
import type { NodeConfig } from './config';
import { listSettings } from './config-lists';
import type { Storage } from './storage';

export function createListDeps(input: {
  config: NodeConfig;
  storage: Storage;
  directory: Directory;
  mailboxes: MailboxStore;
  /** Built after the delivery role in the node: read when a notice is sent. */
  acceptor: () => Pick<MessageAcceptor, 'accept'>;
  resolver: Resolver;
  dkimKeys: DkimKeyStore;
  secretKey: Buffer;
}): ListDeps {
  const { config, storage } = input;
  // Keys are read (and decrypted) at most once a minute per domain, as the relay does.
  const keys = new Map<string, { key: Promise<DkimSigningKey | null>; expires: number }>();
  return {
    db: storage.db,
    blobs: storage.blobs,
    spool: storage.spool,
    directory: input.directory,
    mailboxes: input.mailboxes,
    events: storage.events,
    acceptor: { accept: (message) => input.acceptor().accept(message) },
    resolver: input.resolver,
    dkimKey: (domain) => {
      const cached = keys.get(domain);
      if (cached && cached.expires > Date.now()) return cached.key;
      const key = input.dkimKeys.signingKey(domain);
      keys.set(domain, { key, expires: Date.now() + 60_000 });
      return key;
    },
    settings: listSettings(config.lists, {
      secretKey: input.secretKey,
      webBase: process.env.NIMBUS_WEB_BASE ?? null,
      httpPort: config.ports.http,
    }),
    now: () => new Date(),
  };
}

/** The delivery hook: list posts are distributed (and collected for the digest members). */
export function createListDelivery(deps: ListDeps, log: Logger): ListDelivery {
  const distributor = createPostDistributor(deps);
  const post: PostDistributor = {
    async distribute(list, message) {
      await distributor.distribute(list, message);
      // Idempotent on (list, post): a retried job collects the post once.
      await addToDigest(deps, list, message.body);
    },
  };
  return new ListDelivery(deps, post, createBounceHandler(deps), (message, fields) =>
    log.info(fields ?? {}, message),
  );
}

/** Runs a list task carried by an inbound job (the task acks or re-queues its job itself). */
export async function runListTask(deps: ListDeps, job: LeasedJob): Promise<void> {
  const task = job.payload.list;
  if (task?.kind === 'fanout') await runFanout(deps, job);
  else if (task?.kind === 'digest') await handleDigestJob(deps, job);
}
