/**
 * The BlobStore and Spool contracts against S3 and SQS, served by moto on loopback. The adapters
 * are configured only through the SDK's standard settings (AWS_ENDPOINT_URL_S3/_SQS …).
 */
import { randomBytes } from 'node:crypto';
import { S3Client, CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { AwsRequestCounter } from '../../core/adapters/aws/aws-requests';
import { S3BlobStore } from '../../core/adapters/aws/s3-blob-store';
import { SqsSpool } from '../../core/adapters/aws/sqs-spool';
import { runMigrations } from '../../core/db/migrate';
import type { SqlDatabase } from '../../core/ports/sql';
import { blobStoreContract } from '../contracts/blob-store';
import { payload, receiveAll, spoolContract } from '../contracts/spool';
import { startMoto, type Moto } from '../helpers/moto';

let moto: Moto;
let db: SqlDatabase;
let store: S3BlobStore;
const bucket = `nimbus-test-${randomBytes(4).toString('hex')}`;
const counter = new AwsRequestCounter();
const spools: SqsSpool[] = [];
let spoolBlobs: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  store = new S3BlobStore({
    location: { bucket, prefix: 'blobs' },
    multipartThreshold: 5 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
    counter,
  });
  expect(await store.createBucketIfMissing()).toBe(true);
  expect(await store.createBucketIfMissing()).toBe(false);
}, 60_000);

afterAll(async () => {
  store?.destroy();
  for (const spool of spools) spool.destroy();
  spoolBlobs?.destroy();
  await db?.close();
  await new Promise((r) => setTimeout(r, 200));
  await moto?.stop();
});

blobStoreContract('S3 (moto)', () => ({ store, db, largeSize: 5 * 1024 * 1024 }));

describe('S3 specifics', () => {
  test('keys are PREFIX/ab/cd/<sha256>, no SSE header overriding the bucket default, sent with a SHA-256 checksum', async () => {
    const { key } = await store.put(Buffer.from('hello s3'));
    const objectKey = `blobs/${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`;
    expect(store.keyOf(key)).toBe(objectKey);
    const head = await store.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: objectKey, ChecksumMode: 'ENABLED' }),
    );
    // No SSE header without a key: the bucket's default applies (this bucket has none, so moto reports
    // none; S3 itself always applies at least SSE-S3). test/integration/aws-s3-encryption.test.ts.
    expect(head.ServerSideEncryption).toBeUndefined();
    // (moto does not echo x-amz-checksum-sha256 on HEAD; S3 does, and rejects a PUT whose bytes differ.)
  });

  test('a configured KMS key gives aws:kms encryption', async () => {
    const kms = new S3BlobStore({ location: { bucket, prefix: 'kms' }, kmsKeyId: 'alias/nimbus-test' });
    const { key } = await kms.put(Buffer.from('secret'));
    const head = await kms.client.send(new HeadObjectCommand({ Bucket: bucket, Key: kms.keyOf(key) }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toContain('nimbus-test');
    kms.destroy();
  });

  test('a put is one request (no HEAD first); a missing bucket fails check() naming the bucket', async () => {
    const before = counter.total.s3;
    await store.put(randomBytes(100));
    expect(counter.total.s3 - before).toBe(1);
    const missing = new S3BlobStore({ location: { bucket: 'no-such-bucket-here', prefix: '' } });
    await expect(missing.check()).rejects.toThrow(/no-such-bucket-here/);
    missing.destroy();
  });
});

async function newSpool(): Promise<SqsSpool> {
  const prefix = `nimbus-t${randomBytes(4).toString('hex')}`;
  const spool = new SqsSpool({
    prefix,
    waitSeconds: 0,
    counter,
    payloadStore: {
      client: (spoolBlobs ??= new S3Client({ forcePathStyle: true })),
      location: { bucket, prefix: 'spool' },
    },
  });
  await spool.createQueuesIfMissing();
  await spool.init();
  spools.push(spool);
  return spool;
}

spoolContract('SQS (moto)', newSpool, {
  idempotentEnqueue: false,
  releaseLeasesByOwner: false,
  operatorSeesWaitingJobs: false,
});

describe('SQS specifics', () => {
  test('a missing queue fails init naming the queue and the setting', async () => {
    const spool = new SqsSpool({ prefix: 'nimbus-absent' });
    spools.push(spool);
    await expect(spool.init()).rejects.toThrow(/nimbus-absent-inbound does not exist.*NIMBUS_SPOOL/);
  });

  test('queue names match the CDK app: PREFIX-inbound, PREFIX-outbound, PREFIX-<queue>-dlq', () => {
    const spool = new SqsSpool({ prefix: 'nimbus-prod' });
    spools.push(spool);
    expect(spool.queueName('inbound')).toBe('nimbus-prod-inbound');
    expect(spool.queueName('outbound', true)).toBe('nimbus-prod-outbound-dlq');
  });

  test('hops: a job not yet due is re-sent with a new delay, not handed out', async () => {
    const spool = await newSpool();
    const jobId = 'HOP1';
    const notBefore = new Date(Date.now() + 2500).toISOString();
    await spool.client.send(
      new SendMessageCommand({
        QueueUrl: spool.queueUrl('inbound'),
        MessageBody: JSON.stringify({
          v: 1,
          id: jobId,
          queue: 'inbound',
          attempts: 3,
          createdAt: new Date().toISOString(),
          notBefore,
          payload: payload(jobId),
        }),
      }),
    );
    expect(await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner: 'n' })).toEqual([]);
    const [job] = await receiveAll(spool, 'inbound', 1, 30, 6000);
    expect(job.id).toBe(jobId);
    expect(job.attempts).toBe(3);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(notBefore) - 1000);
  });

  test('claim check: an envelope too large for SQS goes to the spool area of the bucket', async () => {
    const spool = await newSpool();
    const recipients = Array.from({ length: 8000 }, (_, i) => ({ address: `user${i}@example.org` }));
    await spool.enqueue('outbound', 'BIG1', payload('BIG1', { recipients }));
    const [job] = await receiveAll(spool, 'outbound', 1);
    expect(job.payload.recipients).toHaveLength(8000);
    const ref = (job as unknown as { payloadRef: string }).payloadRef;
    expect(ref).toMatch(/^spool\/BIG1\//);
    const stored = await store.client.send(new GetObjectCommand({ Bucket: bucket, Key: ref }));
    expect(JSON.parse(await stored.Body!.transformToString()).recipients).toHaveLength(8000);
    await spool.ack(job);
  });

  test('a malformed message is dead-lettered, not retried forever', async () => {
    const spool = await newSpool();
    await spool.client.send(
      new SendMessageCommand({ QueueUrl: spool.queueUrl('inbound'), MessageBody: 'not json' }),
    );
    expect(await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner: 'n' })).toEqual([]);
    const dlq = await spool.client.send(
      new ReceiveMessageCommand({ QueueUrl: spool.queueUrl('inbound', true), MaxNumberOfMessages: 10 }),
    );
    expect(dlq.Messages?.[0]?.Body).toBe('not json');
  });
});

test('bucket creation is idempotent with a fresh name too', async () => {
  const other = new S3Client({ forcePathStyle: true });
  await other.send(new CreateBucketCommand({ Bucket: `${bucket}-2` }));
  other.destroy();
});
