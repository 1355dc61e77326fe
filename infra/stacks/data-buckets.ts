/**
 * The data tier's S3 buckets: access logs, and the blob bucket (message blobs and spool payloads).
 * Created in the DataStack's scope: their construct ids are part of the deployed contract.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { BLOB_PREFIX, SPOOL_PREFIX, blobBucketName } from './data-names';

/** Server access logs of the blob bucket (and of the load balancers). */
export function createAccessLogBucket(scope: Construct, retain: RemovalPolicy): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED, // the only encryption S3/ELB log delivery supports
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    lifecycleRules: [
      { id: 'expire-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(7) },
    ],
    removalPolicy: retain,
    autoDeleteObjects: retain === RemovalPolicy.DESTROY,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log destination bucket; logging it into itself would loop.',
  });
  return bucket;
}

export function createBlobBucket(
  scope: Construct,
  stage: StageConfig,
  key: kms.IKey,
  logBucket: s3.IBucket,
  retain: RemovalPolicy,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'Blobs', {
    bucketName: blobBucketName(stage),
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    serverAccessLogsBucket: logBucket,
    serverAccessLogsPrefix: 's3/blobs/',
    lifecycleRules: [
      {
        // Spool payloads are claim-check bodies of queued mail; the longest a message stays
        // queued is the relay lifetime (5 days by default), so this only removes leftovers.
        id: 'spool-expiry',
        prefix: `${SPOOL_PREFIX}/`,
        expiration: Duration.days(stage.spoolBlobExpiryDays),
        noncurrentVersionExpiration: Duration.days(1),
      },
      {
        id: 'blobs-tiering',
        prefix: `${BLOB_PREFIX}/`,
        transitions: [
          { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
        ],
        // Deleted or overwritten blobs stay recoverable for the backup window.
        noncurrentVersionExpiration: Duration.days(stage.backup.dailyRetentionDays),
      },
      {
        id: 'housekeeping',
        abortIncompleteMultipartUploadAfter: Duration.days(2),
        expiredObjectDeleteMarker: true,
      },
    ],
    removalPolicy: retain,
    autoDeleteObjects: retain === RemovalPolicy.DESTROY,
  });
  denyOtherEncryption(bucket, key);
  return bucket;
}

const SSE = 's3:x-amz-server-side-encryption';
const SSE_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/**
 * PutObject may carry no SSE header (the bucket's KMS default applies) or aws:kms with the data
 * key's ARN; anything else is refused, so no writer can downgrade to SSE-S3 or pick another key.
 * Negated operators are true for an absent key, hence the Null guards. aws:kms without a key id
 * would use the account's aws/s3 key, not the bucket default: refused too.
 */
export function denyOtherEncryption(bucket: s3.Bucket, key: kms.IKey): void {
  const deny = (sid: string, conditions: Record<string, Record<string, string>>) =>
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions,
      }),
    );
  deny('DenyOtherEncryption', { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'aws:kms' } });
  deny('DenyOtherKmsKey', { Null: { [SSE_KEY]: 'false' }, StringNotEquals: { [SSE_KEY]: key.keyArn } });
  deny('DenyAwsManagedKey', { StringEquals: { [SSE]: 'aws:kms' }, Null: { [SSE_KEY]: 'true' } });
}
