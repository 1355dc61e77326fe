/**
 * Fixed names in the data tier that other stacks and IAM policies use without cross-stack tokens:
 * the blob bucket, its key prefixes, the database name.
 */
import { type Acknowledgment, Aws } from 'aws-cdk-lib';
import type { StageConfig } from '../config/stages';
import { namePrefix } from './common';

/** Blob bucket name: fixed, so that other stacks and IAM policies name it without cross-stack tokens. */
export function blobBucketName(stage: StageConfig): string {
  return `${namePrefix(stage)}-blobs-${Aws.ACCOUNT_ID}-${stage.region}`;
}

/** ARN of the blob bucket, from its fixed name (pseudo-parameters only: no cross-stack token). */
export function blobBucketArn(stage: StageConfig): string {
  return `arn:${Aws.PARTITION}:s3:::${blobBucketName(stage)}`;
}

/**
 * cdk-nag acknowledgements for object-level access under the blob and spool prefixes (the keys
 * are content hashes and queue ids created at run time, so the resource must end in `/*`).
 */
export function blobPrefixAcknowledgements(
  stage: StageConfig,
  prefixes: readonly string[],
): Acknowledgment[] {
  const rendered = blobBucketName(stage).replace(Aws.ACCOUNT_ID, '<AWS::AccountId>');
  return prefixes.map((prefix) => ({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${rendered}/${prefix}/*]`,
    reason: `Message blobs are content-addressed keys created at run time; access is limited to the ${prefix}/ prefix of the stage's bucket.`,
  }));
}

/** Database name inside the Aurora cluster. */
export const DATABASE_NAME = 'nimbus';
/** Key prefixes in the blob bucket: immutable message blobs, and transient spool payloads. */
export const BLOB_PREFIX = 'blobs';
export const SPOOL_PREFIX = 'spool';
