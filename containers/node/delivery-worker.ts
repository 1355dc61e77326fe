import type { Logger } from 'pino';
import { BatchDelivery } from '../../core/delivery/batch-delivery';
import { processInboundJob } from '../../core/delivery/inbound-job';
import type { LocalDelivery } from '../../core/delivery/local-delivery';
import type { VacationResponder } from '../../core/delivery/vacation-responder';
import { PimStore } from '../../core/pim/pim-store';
import { ImipReceiver } from '../../core/pim/scheduling/imip-hook';
import type { Metrics } from '../../core/ports/metrics';
import type { LeasedJob } from '../../core/ports/spool';
import { BatchSpoolWorker } from '../workers/spool-worker';
import type { ListDeps } from '../../core/lists/deps';
import { runListTask } from './list-setup';
import type { NodeConfig } from './config';
import type { Storage } from './storage';

/**
 * The delivery role's worker on the inbound queue: batches of jobs to local mailboxes.
 * `delivered` runs after each batch (the relay may have new outbound work).
 */
export function createDeliveryWorker(options: {
  config: NodeConfig;
  storage: Storage;
  delivery: LocalDelivery;
  vacation: VacationResponder;
  metrics: Metrics;
  nodeId: string;
  log: Logger;
  delivered: () => void;
  /** Mailing lists (containers/node/list-setup.ts): their hook and the fan-out/digest jobs. */
  lists?: () => ListDeps | null;
}): BatchSpoolWorker {
  const { config, storage, delivery, metrics } = options;
  // Incoming iMIP (RFC 6047): invitations and replies by mail go into the recipient's calendar,
  // through the same PIM store (and limits) the DAV handlers use.
  const pim = new PimStore(storage.db, storage.events, config.dav);
  const imip = new ImipReceiver(() => pim);
  delivery.useImipReceiver(imip);
  const batch = new BatchDelivery(
    storage.db,
    storage.blobs,
    storage.spool,
    storage.events,
    options.vacation,
    imip,
  );
  const deliverOne = async (job: LeasedJob) => {
    const outcome = await processInboundJob(job, { db: storage.db, spool: storage.spool, delivery });
    metrics.increment(
      outcome === 'delivered'
        ? 'messages_delivered'
        : outcome === 'retry'
          ? 'messages_deferred'
          : 'messages_bounced',
    );
  };
  return new BatchSpoolWorker(
    storage.spool,
    async (all) => {
      // List tasks (a post's fan-out, a digest) carry no recipients: the list code runs them.
      const jobs = all.filter((job) => !job.payload.list);
      const tasks = all.filter((job) => job.payload.list);
      const deps = options.lists?.() ?? null;
      if (tasks.length > 0 && deps) {
        await Promise.all(
          tasks.map((job) =>
            runListTask(deps, job).catch((error: unknown) =>
              options.log.error({ err: error, job: job.id }, 'list task failed; it comes back'),
            ),
          ),
        );
      }
      // Plain local recipients in one set-based transaction; aliases, forwards and failures per job.
      const { delivered, rest } = await batch.deliver(jobs);
      metrics.increment('messages_delivered', delivered.length);
      await Promise.all(rest.map(deliverOne));
      options.delivered();
    },
    {
      queue: 'inbound',
      owner: options.nodeId,
      concurrency: config.delivery.concurrency,
      batchSize: config.delivery.batchSize,
      leaseSeconds: config.delivery.leaseSeconds,
      pollIntervalMs: config.delivery.pollIntervalMs,
    },
    options.log,
  );
}
