import type { Logger } from 'pino';
import { collectGarbage } from '../../core/store/blob-refs';
import { releaseExpiredHolds } from '../../core/store/expunge-retention';
import type { Storage } from './storage';

/**
 * Periodic clean-up (every 10 minutes): expired expunge retention (blob holds of expunged
 * messages), unreferenced blobs, old delivery dedupe rows, expired maildrop locks.
 */
export async function runMaintenance(storage: Storage, log: Logger): Promise<void> {
  try {
    await releaseExpiredHolds(storage.db);
    const removed = await collectGarbage(storage.db, storage.blobs, { graceSeconds: 3600 });
    // Dedupe rows outlive any job (queue lifetime is 5 days).
    await storage.db.query(`DELETE FROM deliveries WHERE delivered_at < now() - interval '10 days'`);
    await storage.db.query(`DELETE FROM maildrop_locks WHERE expires_at < now()`);
    if (removed > 0) log.info({ removed }, 'unreferenced blobs collected');
  } catch (error) {
    log.warn({ err: error }, 'maintenance failed');
  }
}
