/**
 * The Lambda composition root: the adapters the CDK app configures (functions/lambda/environment.ts
 * names the variables for both), built once per container.
 *   database: RDS Data API (DATABASE_CLUSTER_ARN, DATABASE_SECRET_ARN, DATABASE_NAME): no VPC, no pool
 *   blobs:    S3 (NIMBUS_BLOBS=s3://bucket/prefix, SSE-KMS with NIMBUS_BLOBS_KMS_KEY_ID)
 *   spool:    the nodes' SQS spool (NIMBUS_SPOOL=sqs://PREFIX, claim check in NIMBUS_SPOOL_BLOBS),
 *             so mail the webmail or JMAP submits reaches the delivery and mta nodes
 *   events:   publish only, with pg_notify through the database (no LISTEN in a Lambda)
 * Static imports on purpose: esbuild bundles what is imported, and a function must not fall back
 * to another store than the nodes read. Long-held requests (JMAP EventSource) are not served
 * here: API Gateway cuts requests at 30 s.
 */
import { hasPrebuiltAssets, loadAssets } from '../webmail/assets';
import { executeAdminCommand } from '../../core/admin/admin-commands';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { MessageAcceptor } from '../../core/delivery/message-acceptor';
import { Directory } from '../../core/directory/directory';
import { DataApiDatabase } from '../../core/adapters/aws/data-api-database';
import { parseS3Url, S3BlobStore } from '../../core/adapters/aws/s3-blob-store';
import { SqsSpool } from '../../core/adapters/aws/sqs-spool';
import type { MailboxChange, MailboxEvents } from '../../core/ports/events';
import type { SqlDatabase } from '../../core/ports/sql';
import type { WebContext } from '../web/context';
import { readLambdaEnvironment, type LambdaSettings } from './environment';

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

export function openDatabase(settings: Pick<LambdaSettings, 'dataApi'>): SqlDatabase {
  return DataApiDatabase.fromEnvironment(settings.dataApi);
}

/** The same SqsSpool a node builds from NIMBUS_SPOOL / NIMBUS_SPOOL_BLOBS (containers/node/storage.ts). */
export async function openSpool(settings: LambdaSettings, blobs: S3BlobStore): Promise<SqsSpool> {
  const spoolArea = parseS3Url(settings.spoolBlobs);
  const spool = new SqsSpool({
    prefix: settings.spool.slice('sqs://'.length),
    payloadStore: { client: blobs.client, location: spoolArea },
  });
  await spool.init();
  return spool;
}

export async function buildLambdaContext(env: NodeJS.ProcessEnv = process.env): Promise<WebContext> {
  const settings = readLambdaEnvironment(env);
  const db = openDatabase(settings);
  const blobs = new S3BlobStore({ location: parseS3Url(settings.blobs), kmsKeyId: settings.blobsKmsKeyId });
  const spool = await openSpool(settings, blobs);
  const directory = new Directory(db);
  const events = new NotifyOnlyEvents(db);
  return {
    db,
    blobs,
    spool,
    events,
    directory,
    acceptor: new MessageAcceptor(db, blobs, spool),
    admin: (command, origin) => executeAdminCommand({ db, directory, spool }, command, origin),
    // Per container; API Gateway's stage and route throttling is the outer limit.
    throttle: new AuthThrottle(),
    endpoints: {
      mailHost: settings.mailHost,
      webBase: settings.webBase,
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
  // A failed cold start is not cached: the next invocation tries again.
  cached ??= buildLambdaContext().catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
