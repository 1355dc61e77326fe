/**
 * IAM for the Lambda web handlers, matching what functions/lambda/context.ts calls: the Data API
 * (with the secret it names), S3 for message bytes and spool claim checks, the SQS spool (URLs at
 * cold start, SendMessage for submitted mail; the admin function also works the dead-letter
 * queues), and the data key. The admin authorizer only reads the database.
 *
 * Explicit identity policies: CDK grants on the Data stack's key would write this stack's role
 * ARNs into the key policy and make the Data stack depend on this one.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { StageConfig } from '../config/stages';
import type { WebApi } from '../constructs/web-api';
import type { NodeFunction } from '../constructs/node-function';
import {
  BLOB_PREFIX,
  SPOOL_PREFIX,
  blobBucketArn,
  blobPrefixAcknowledgements,
  type DataStack,
} from './data-stack';

export const DATA_API_ACTIONS = [
  'rds-data:ExecuteStatement',
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:RollbackTransaction',
];

function allow(
  fn: NodeFunction,
  sid: string,
  actions: string[],
  resources: string[],
  conditions?: Record<string, unknown>,
) {
  fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));
}

function grantDatabase(fn: NodeFunction, data: DataStack): void {
  allow(fn, 'DataApi', DATA_API_ACTIONS, [data.database.clusterArn]);
  // The Data API reads the secret with the caller's permissions (and its key).
  allow(fn, 'DatabaseSecret', ['secretsmanager:GetSecretValue'], [data.databaseSecret.secretArn]);
}

export function grantWebHandlers(api: WebApi, stage: StageConfig, data: DataStack): void {
  const bucketArn = blobBucketArn(stage);
  const queues = Object.values(data.queues);
  for (const fn of api.functions) {
    grantDatabase(fn, data);
    allow(
      fn,
      'Blobs',
      ['s3:GetObject', 's3:PutObject'],
      [`${bucketArn}/${BLOB_PREFIX}/*`, `${bucketArn}/${SPOOL_PREFIX}/*`],
    );
    // Without ListBucket a HEAD of a missing key is a 403, not the 404 that exists() expects.
    allow(fn, 'BlobListing', ['s3:ListBucket'], [bucketArn], {
      StringLike: { 's3:prefix': [`${BLOB_PREFIX}/*`, `${SPOOL_PREFIX}/*`] },
    });
    Validations.of(fn.role!).acknowledge(...blobPrefixAcknowledgements(stage, [BLOB_PREFIX, SPOOL_PREFIX]));
    allow(
      fn,
      'Spool',
      ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
      queues.map((q) => q.queue.queueArn),
    );
    // SqsSpool.init() resolves every queue's URL, its dead-letter queue's too.
    allow(
      fn,
      'SpoolDeadLetterUrls',
      ['sqs:GetQueueUrl'],
      queues.map((q) => q.deadLetterQueue.queueArn),
    );
    allow(fn, 'DataKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [data.key.keyArn]);
  }
  const admin = api.functionsByName.get('Admin');
  if (admin) {
    // The admin API's spool commands (list, show, retry, delete) work on the dead-letter queues.
    allow(
      admin,
      'SpoolDeadLetters',
      [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
      ],
      queues.map((q) => q.deadLetterQueue.queueArn),
    );
  }
  if (api.adminAuthorizerFunction) {
    grantDatabase(api.adminAuthorizerFunction, data);
    allow(api.adminAuthorizerFunction, 'DataKey', ['kms:Decrypt'], [data.key.keyArn]);
  }
}
