/**
 * Claim check for oversized spool envelopes (thousands of recipients): the payload goes to the
 * spool area of the bucket (NIMBUS_SPOOL_BLOBS, expired by the bucket's lifecycle rule) and the
 * SQS message carries its key.
 */
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SpoolPayload } from '../../ports/spool';
import { StorageUnavailableError } from '../../ports/sql';
import { s3Encryption, type S3Location } from './s3-blob-store';
import type { SqsEnvelope } from './sqs-envelope';

export interface SpoolPayloadStore {
  client: S3Client;
  location: S3Location;
  /** The bucket's KMS key ARN (SSE-KMS); without it the bucket's default encryption applies. */
  kmsKeyId?: string;
}

export class SqsClaimCheck {
  /** Without a store, oversized envelopes are refused. */
  constructor(private readonly store: SpoolPayloadStore | undefined) {}

  /** Stores the envelope's payload in the bucket; the returned envelope carries its key instead. */
  async offload(env: SqsEnvelope): Promise<SqsEnvelope> {
    const store = this.store;
    if (!store) {
      throw new StorageUnavailableError(
        `spool job ${env.id} is too large for SQS and NIMBUS_SPOOL_BLOBS is not set`,
      );
    }
    const key = `${store.location.prefix ? store.location.prefix + '/' : ''}${env.id}/${randomUUID()}.json`;
    await store.client.send(
      new PutObjectCommand({
        Bucket: store.location.bucket,
        Key: key,
        Body: JSON.stringify(env.payload),
        ContentType: 'application/json',
        ...s3Encryption(store.kmsKeyId),
      }),
    );
    const { payload: _payload, ...rest } = env;
    return { ...rest, payloadRef: key };
  }

  async loadPayload(env: SqsEnvelope): Promise<SpoolPayload> {
    if (env.payload) return env.payload;
    const store = this.store;
    if (!env.payloadRef || !store) throw new Error(`spool job ${env.id} has no payload`);
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.location.bucket, Key: env.payloadRef }),
    );
    return JSON.parse(await out.Body!.transformToString()) as SpoolPayload;
  }

  dropPayloadRef(ref: string | undefined): void {
    const store = this.store;
    if (!ref || !store) return;
    // Best effort: the lifecycle rule on the spool area removes what is left behind.
    void store.client
      .send(new DeleteObjectCommand({ Bucket: store.location.bucket, Key: ref }))
      .catch(() => undefined);
  }
}
