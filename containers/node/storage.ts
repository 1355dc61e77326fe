import path from 'node:path';
import type { Logger } from 'pino';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { PgEvents } from '../../core/adapters/postgres/pg-events';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../core/db/migrate';
import type { BlobStore } from '../../core/ports/blob-store';
import type { MailboxEvents } from '../../core/ports/events';
import type { Spool } from '../../core/ports/spool';
import type { SqlDatabase } from '../../core/ports/sql';
import type { NodeConfig } from './config';

/** The adapters behind every port, chosen from configuration alone. */
export interface Storage {
  db: SqlDatabase;
  blobs: BlobStore;
  spool: Spool;
  events: MailboxEvents;
  description: { database: string; blobs: string; spool: string; events: string };
  close(): Promise<void>;
}

export async function openDatabase(
  config: Pick<NodeConfig, 'databaseUrl' | 'dataDir'>,
): Promise<SqlDatabase> {
  const db = config.databaseUrl
    ? new PgDatabase({ connectionString: config.databaseUrl })
    : await PgliteDatabase.open(path.join(config.dataDir, 'db'));
  await runMigrations(db);
  return db;
}

export async function openStorage(config: NodeConfig, log: Logger): Promise<Storage> {
  const db = await openDatabase(config);
  const blobRoot = path.join(config.dataDir, 'blobs');
  const blobs = new FileBlobStore(blobRoot);
  await blobs.init();
  const spool = new SqlSpool(db);
  const eventsKind = config.events ?? (config.databaseUrl ? 'postgres' : 'local');
  if (eventsKind === 'postgres' && !config.databaseUrl && !config.eventsDatabaseUrl) {
    throw new Error('invalid setting events: "postgres" needs DATABASE_URL or NIMBUS_EVENTS_DATABASE_URL');
  }
  const events: MailboxEvents =
    eventsKind === 'postgres'
      ? await PgEvents.connect(
          (config.eventsDatabaseUrl ?? config.databaseUrl)!,
          log.child({ component: 'events' }),
        )
      : new InProcessEvents();
  log.debug('storage opened');
  return {
    db,
    blobs,
    spool,
    events,
    description: {
      database: config.databaseUrl ? 'postgres' : 'pglite',
      blobs: `file://${blobRoot}`,
      spool: 'sql',
      events: eventsKind === 'postgres' ? 'postgres LISTEN/NOTIFY' : 'in-process',
    },
    async close() {
      await events.close();
      await db.close();
    },
  };
}
