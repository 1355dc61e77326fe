import path from 'node:path';
import type { Logger } from 'pino';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../core/adapters/local/in-process-events';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { PgEvents } from '../../core/adapters/postgres/pg-events';
import { rdsIamPassword } from '../../core/adapters/aws/rds-iam-password';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import { AwsRequestCounter } from '../../core/adapters/aws/aws-requests';
import { DataApiDatabase } from '../../core/adapters/aws/data-api-database';
import { parseS3Url, S3BlobStore } from '../../core/adapters/aws/s3-blob-store';
import { SqsSpool } from '../../core/adapters/aws/sqs-spool';
import { runMigrations } from '../../core/db/migrate';
import { RecentBlobs } from '../../core/store/recent-blobs';
import type { BlobStore } from '../../core/ports/blob-store';
import type { MailboxEvents } from '../../core/ports/events';
import type { Spool } from '../../core/ports/spool';
import type { SqlDatabase } from '../../core/ports/sql';
import type { NodeConfig } from './config';
import { EmbeddedPgDatabase, openEmbeddedDatabase } from './embedded-postgres-database';

/** The adapters behind every port, chosen from configuration alone. */
export interface Storage {
  db: SqlDatabase;
  blobs: BlobStore;
  spool: Spool;
  events: MailboxEvents;
  description: { database: string; blobs: string; spool: string; events: string };
  /** HTTP requests sent to S3 and SQS (the s3_requests / sqs_requests gauges), when AWS adapters are in use. */
  awsRequests?: AwsRequestCounter;
  close(): Promise<void>;
}

type DatabaseSettings = Pick<NodeConfig, 'databaseUrl' | 'dataDir'> &
  Partial<Pick<NodeConfig, 'databasePassword' | 'database' | 'dataApi' | 'storage'>>;

/** DATABASE_URL with DATABASE_PASSWORD inserted when the URL has none (the CDK app passes them apart). */
export function connectionString(config: Pick<DatabaseSettings, 'databaseUrl' | 'databasePassword'>): string {
  const url = new URL(config.databaseUrl!);
  if (config.databasePassword && !url.password) url.password = encodeURIComponent(config.databasePassword);
  return url.toString();
}

/**
 * DATABASE_URL, else the Data API, else the embedded database (storage.embedded: the embedded
 * PostgreSQL, whose server this starts and `close()` stops, or PGlite).
 */
export async function openDatabase(config: DatabaseSettings, log?: Logger): Promise<SqlDatabase> {
  const dataApi = config.dataApi;
  if (dataApi?.clusterArn && config.databaseUrl) {
    throw new Error(
      'invalid setting dataApi.clusterArn: set either DATABASE_URL or NIMBUS_DATA_API_CLUSTER_ARN, not both',
    );
  }
  if (dataApi?.clusterArn && !dataApi.secretArn) {
    throw new Error(
      'invalid setting dataApi.secretArn: NIMBUS_DATA_API_SECRET_ARN is required with NIMBUS_DATA_API_CLUSTER_ARN',
    );
  }
  const db = config.databaseUrl
    ? new PgDatabase({
        connectionString: connectionString(config),
        maxConnections: config.database?.maxConnections,
        connectionTimeoutMs: config.database?.connectionTimeoutMs,
        preparedStatements: config.database?.preparedStatements,
        statementTimeoutMs: config.database?.statementTimeoutMs,
        password: config.database?.iamAuth ? rdsIamPassword(config.databaseUrl) : undefined,
      })
    : dataApi?.clusterArn
      ? DataApiDatabase.fromEnvironment({
          resourceArn: dataApi.clusterArn,
          secretArn: dataApi.secretArn!,
          database: dataApi.database,
        })
      : await openEmbeddedDatabase(config, log);
  try {
    await runMigrations(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

/** Blob store and spool from NIMBUS_BLOBS / NIMBUS_SPOOL (file:// and local by default). */
async function openBlobsAndSpool(config: NodeConfig, db: SqlDatabase) {
  const aws = {
    requestTimeoutMs: config.aws.requestTimeoutMs,
    connectTimeoutMs: config.aws.connectTimeoutMs,
    maxAttempts: config.aws.maxAttempts,
  };
  let counter: AwsRequestCounter | undefined;
  const closers: (() => void)[] = [];
  let blobs: BlobStore;
  let blobsDescription: string;
  let s3: S3BlobStore | undefined;
  if (config.blobs?.startsWith('s3://')) {
    counter ??= new AwsRequestCounter();
    s3 = new S3BlobStore({
      ...aws,
      counter,
      location: parseS3Url(config.blobs),
      kmsKeyId: config.blobsKmsKeyId,
    });
    if (config.createMissing) await s3.createBucketIfMissing();
    await s3.check().catch((error: Error) => {
      throw new Error(`invalid setting blobs: ${error.message} (NIMBUS_BLOBS=${config.blobs})`);
    });
    closers.push(() => s3!.destroy());
    blobs = new RecentBlobs(s3);
    blobsDescription = s3.description;
  } else {
    const root = config.blobs
      ? decodeURIComponent(new URL(config.blobs).pathname)
      : path.join(config.dataDir, 'blobs');
    const files = new FileBlobStore(root);
    await files.init();
    blobs = new RecentBlobs(files);
    blobsDescription = `file://${root}`;
  }
  let spool: Spool;
  if (config.spool.startsWith('sqs://')) {
    counter ??= new AwsRequestCounter();
    const spoolArea = config.spoolBlobs
      ? parseS3Url(config.spoolBlobs)
      : s3
        ? { bucket: parseS3Url(config.blobs!).bucket, prefix: 'spool' }
        : undefined;
    const spoolS3 = spoolArea ? (s3 ?? new S3BlobStore({ ...aws, counter, location: spoolArea })) : undefined;
    if (spoolS3 && spoolS3 !== s3) closers.push(() => spoolS3.destroy());
    const sqs = new SqsSpool({
      ...aws,
      counter,
      prefix: config.spool.slice('sqs://'.length),
      waitSeconds: config.aws.sqsWaitSeconds,
      payloadStore:
        spoolS3 && spoolArea
          ? { client: spoolS3.client, location: spoolArea, kmsKeyId: config.blobsKmsKeyId }
          : undefined,
    });
    if (config.createMissing) await sqs.createQueuesIfMissing();
    await sqs.init();
    closers.push(() => sqs.destroy());
    spool = sqs;
  } else {
    spool = new SqlSpool(db);
  }
  return {
    blobs,
    spool,
    counter,
    description: { blobs: blobsDescription, spool: spool instanceof SqsSpool ? spool.description : 'sql' },
    close: () => closers.forEach((close) => close()),
  };
}

export async function openStorage(config: NodeConfig, log: Logger): Promise<Storage> {
  const db = await openDatabase(config, log);
  let adapters: Awaited<ReturnType<typeof openBlobsAndSpool>>;
  try {
    adapters = await openBlobsAndSpool(config, db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  const { blobs, spool } = adapters;
  const eventsKind = config.events ?? (config.databaseUrl ? 'postgres' : 'local');
  if (eventsKind === 'postgres' && !config.databaseUrl && !config.eventsDatabaseUrl) {
    throw new Error('invalid setting events: "postgres" needs DATABASE_URL or NIMBUS_EVENTS_DATABASE_URL');
  }
  const events: MailboxEvents =
    eventsKind === 'postgres'
      ? await PgEvents.connect(
          (config.eventsDatabaseUrl ?? config.databaseUrl)!,
          log.child({ component: 'events' }),
          // IAM auth covers the LISTEN connection too (its own host: the cluster endpoint).
          config.database?.iamAuth
            ? { password: rdsIamPassword((config.eventsDatabaseUrl ?? config.databaseUrl)!) }
            : {},
        )
      : new InProcessEvents();
  log.debug('storage opened');
  return {
    db,
    blobs,
    spool,
    events,
    description: {
      database: db instanceof EmbeddedPgDatabase ? `postgres (embedded, ${db.server.pgData})` : db.kind,
      blobs: adapters.description.blobs,
      spool: adapters.description.spool,
      events: eventsKind === 'postgres' ? 'postgres LISTEN/NOTIFY' : 'in-process',
    },
    awsRequests: adapters.counter,
    async close() {
      await events.close();
      adapters.close();
      await db.close();
    },
  };
}
