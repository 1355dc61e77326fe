/**
 * Server-side encryption of what the S3 adapters write (blobs, and the SQS spool's claim-check
 * payloads), on moto: HeadObject reports the encryption S3 applied and with which KMS key.
 * Configured with the bucket's key ARN, every put carries SSE-KMS with that key; without one, no
 * SSE header is sent and the bucket's default encryption applies (here a KMS default, which an
 * explicit AES256 header would have overridden).
 */
import { randomBytes } from 'node:crypto';
import {
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../core/adapters/aws/s3-blob-store';
import { SqsSpool } from '../../core/adapters/aws/sqs-spool';
import { payload } from '../contracts/spool';
import { startMoto, type Moto } from '../helpers/moto';

let moto: Moto;
let s3: S3Client;
// moto records the key id S3 was given without looking it up in KMS (no KMS client is installed).
const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const defaultKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555';
const bucket = `nimbus-sse-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  moto = await startMoto();
  const setup = new S3BlobStore({ location: { bucket, prefix: '' } });
  await setup.createBucketIfMissing();
  s3 = setup.client;
  // The deployed bucket's default is SSE-KMS (infra/stacks/data-buckets.ts).
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: defaultKeyArn },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

async function head(key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

test('blob puts with a configured key carry SSE-KMS with exactly that key (single and multipart)', async () => {
  const store = new S3BlobStore({
    location: { bucket, prefix: 'blobs' },
    kmsKeyId: keyArn,
    multipartThreshold: 5 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
  });
  for (const size of [100, 6 * 1024 * 1024]) {
    const { key } = await store.put(randomBytes(size));
    const info = await head(store.keyOf(key));
    expect(info.ServerSideEncryption).toBe('aws:kms');
    expect(info.SSEKMSKeyId).toBe(keyArn);
  }
  store.destroy();
});

test('without a configured key no SSE header is sent: the bucket default (KMS) applies, not AES256', async () => {
  const store = new S3BlobStore({ location: { bucket, prefix: 'default' } });
  const { key } = await store.put(Buffer.from('bucket default'));
  const info = await head(store.keyOf(key));
  expect(info.ServerSideEncryption).toBe('aws:kms');
  expect(info.SSEKMSKeyId).toBe(defaultKeyArn);
  store.destroy();
});

test("the SQS spool's claim-check payloads are written with the same key", async () => {
  const spool = new SqsSpool({
    prefix: `sse-${randomBytes(3).toString('hex')}`,
    payloadStore: { client: s3, location: { bucket, prefix: 'spool' }, kmsKeyId: keyArn },
  });
  await spool.createQueuesIfMissing();
  await spool.init();
  // Thousands of recipients: too large for one SQS message (256 KiB), so the payload is offloaded.
  const recipients = Array.from({ length: 6000 }, (_, i) => ({ address: `recipient-${i}@example.test` }));
  await spool.enqueue('inbound', `job-${randomBytes(4).toString('hex')}`, payload('q1', { recipients }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'spool/' }));
  expect(listed.Contents?.length).toBeGreaterThan(0);
  for (const object of listed.Contents ?? []) {
    const info = await head(object.Key!);
    expect(info.ServerSideEncryption).toBe('aws:kms');
    expect(info.SSEKMSKeyId).toBe(keyArn);
  }
  spool.destroy();
});
