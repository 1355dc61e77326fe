/**
 * The Lambda composition root: adapters chosen from the environment, built once per container.
 *   database: NIMBUS_DB_CLUSTER_ARN + NIMBUS_DB_SECRET_ARN (+ NIMBUS_DB_NAME) → RDS Data API
 *             (core/adapters/aws/data-api-database.ts, when present), else DATABASE_URL → pg
 *   blobs:    NIMBUS_BLOBS=s3://bucket/prefix → S3, else NIMBUS_BLOB_DIR (EFS) → files
 *   spool:    NIMBUS_SPOOL_PREFIX → SQS queues, else the SQL spool
 *   events:   publish only, with pg_notify through the database (no LISTEN in a Lambda)
 * Long-held requests (JMAP EventSource) are not served here: API Gateway cuts requests at 30 s.
 */
import { hasPrebuiltAssets, loadAssets } from '../webmail/assets';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { executeAdminCommand } from '../../core/admin/admin-commands';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { MessageAcceptor } from '../../core/delivery/message-acceptor';
import { Directory } from '../../core/directory/directory';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import type { BlobStore } from '../../core/ports/blob-store';
import type { MailboxChange, MailboxEvents } from '../../core/ports/events';
import type { Spool } from '../../core/ports/spool';
import type { SqlDatabase } from '../../core/ports/sql';
import type { WebContext } from '../web/context';
import type * as S3Module from '../../core/adapters/aws/s3-blob-store';
import type * as SqsModule from '../../core/adapters/aws/sqs-spool';

/** Events from a Lambda: NOTIFY only (the nodes' LISTEN connections pick them up). */
export class NotifyOnlyEvents implements MailboxEvents {
  constructor(private readonly db: SqlDatabase) {}
  async publish(change: MailboxChange): Promise<void> {
    await this.db
      .query(`SELECT pg_notify('nimbus_mailbox', $1)`, [JSON.stringify({ ...change, o: 'lambda' })])
      .catch(() => undefined);
  }
  subscribe(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
}

// Optional adapters written elsewhere: loaded by path so this file compiles without them.
function optional<T>(relative: string): T | null {
  const file = path.join(__dirname, relative);
  if (!existsSync(file + '.ts') && !existsSync(file + '.js')) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as T;
}

async function openDatabase(env: NodeJS.ProcessEnv): Promise<SqlDatabase> {
  if (env.NIMBUS_DB_CLUSTER_ARN && env.NIMBUS_DB_SECRET_ARN) {
    const mod = optional<Record<string, new (options: Record<string, unknown>) => SqlDatabase>>(
      '../../core/adapters/aws/data-api-database',
    );
    const DataApi = mod && Object.values(mod).find((v) => typeof v === 'function');
    if (DataApi) {
      return new DataApi({
        resourceArn: env.NIMBUS_DB_CLUSTER_ARN,
        secretArn: env.NIMBUS_DB_SECRET_ARN,
        database: env.NIMBUS_DB_NAME ?? 'nimbus',
      });
    }
  }
  if (env.DATABASE_URL) return new PgDatabase({ connectionString: env.DATABASE_URL });
  throw new Error('no database configured (NIMBUS_DB_CLUSTER_ARN + NIMBUS_DB_SECRET_ARN, or DATABASE_URL)');
}

async function openBlobs(env: NodeJS.ProcessEnv): Promise<BlobStore> {
  if (env.NIMBUS_BLOBS?.startsWith('s3://')) {
    // Loaded only when used: the AWS SDK clients are a large part of a cold start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3BlobStore, parseS3Url } = require('../../core/adapters/aws/s3-blob-store') as typeof S3Module;
    return new S3BlobStore({ location: parseS3Url(env.NIMBUS_BLOBS) });
  }
  const store = new FileBlobStore(env.NIMBUS_BLOB_DIR ?? '/mnt/nimbus/blobs');
  await store.init();
  return store;
}

async function openSpool(env: NodeJS.ProcessEnv, db: SqlDatabase): Promise<Spool> {
  if (env.NIMBUS_SPOOL_PREFIX) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SqsSpool } = require('../../core/adapters/aws/sqs-spool') as typeof SqsModule;
    return new SqsSpool({ prefix: env.NIMBUS_SPOOL_PREFIX });
  }
  return new SqlSpool(db);
}

export async function buildLambdaContext(env: NodeJS.ProcessEnv = process.env): Promise<WebContext> {
  const db = await openDatabase(env);
  const blobs = await openBlobs(env);
  const spool = await openSpool(env, db);
  const directory = new Directory(db);
  const events = new NotifyOnlyEvents(db);
  const mailHost = env.NIMBUS_MAIL_HOST ?? 'localhost';
  return {
    db,
    blobs,
    spool,
    events,
    directory,
    acceptor: new MessageAcceptor(db, blobs, spool),
    admin: (command, origin) => executeAdminCommand({ db, directory, spool }, command, origin),
    // Per container; API Gateway throttling and the WAF are the outer limit.
    throttle: new AuthThrottle(),
    endpoints: {
      mailHost,
      webBase: env.NIMBUS_WEB_BASE ?? null,
      imap: { port: Number(env.NIMBUS_IMAPS_PORT ?? 993), tls: true },
      pop3: { port: Number(env.NIMBUS_POP3S_PORT ?? 995), tls: true },
      submission: { port: Number(env.NIMBUS_SUBMISSIONS_PORT ?? 465), tls: true },
    },
    streaming: false,
    nodes: async () => [],
    // The Webmail function is bundled with its assets (infra/config/web-handlers.ts); others are not.
    assets: hasPrebuiltAssets() ? loadAssets : null,
  };
}

let cached: Promise<WebContext> | null = null;
export function lambdaContext(): Promise<WebContext> {
  cached ??= buildLambdaContext();
  return cached;
}
