/**
 * The environment of the Lambda web handlers: one naming, imported by the CDK app (which sets the
 * variables, infra/stacks/service-stack.ts) and by the composition root (which reads them,
 * functions/lambda/context.ts), so the two cannot drift apart again. The blob, spool and spool-
 * blob forms are the mail node's (containers/node/config-env.ts): s3://BUCKET/PREFIX and
 * sqs://PREFIX, so a Lambda and a node given the same values use the same bucket and queues.
 * No AWS SDK or CDK import here: both sides load this file.
 */

/** Variable names, by meaning. */
export const LAMBDA_ENV = {
  /** Aurora cluster ARN for the RDS Data API. */
  databaseClusterArn: 'DATABASE_CLUSTER_ARN',
  /** Secrets Manager ARN of the database credentials (read by the Data API, not by the function). */
  databaseSecretArn: 'DATABASE_SECRET_ARN',
  databaseName: 'DATABASE_NAME',
  /** s3://BUCKET/PREFIX of the message store (as NIMBUS_BLOBS of the nodes). */
  blobs: 'NIMBUS_BLOBS',
  /** KMS key ARN that PutObject names (the bucket policy admits only this key). */
  blobsKmsKeyId: 'NIMBUS_BLOBS_KMS_KEY_ID',
  /** sqs://PREFIX: queues PREFIX-inbound, PREFIX-outbound (+ -dlq), as NIMBUS_SPOOL of the nodes. */
  spool: 'NIMBUS_SPOOL',
  /** s3://BUCKET/PREFIX for spool envelopes too large for SQS (claim check), as on the nodes. */
  spoolBlobs: 'NIMBUS_SPOOL_BLOBS',
  stage: 'NIMBUS_STAGE',
  /** Host name mail clients use (autoconfig, JMAP session). */
  mailHost: 'NIMBUS_MAIL_HOST',
  /** Public base URL of the web services (null: derived from the request). */
  webBase: 'NIMBUS_WEB_BASE',
} as const;

export type LambdaEnvKey = keyof typeof LAMBDA_ENV;

/** Set by the CDK app on every web handler; the composition root refuses to start without them. */
export const REQUIRED_LAMBDA_ENV = [
  'databaseClusterArn',
  'databaseSecretArn',
  'databaseName',
  'blobs',
  'blobsKmsKeyId',
  'spool',
  'spoolBlobs',
  'stage',
  'mailHost',
] as const satisfies readonly LambdaEnvKey[];

type Required = (typeof REQUIRED_LAMBDA_ENV)[number];
/** Values by meaning: the infra passes strings or CDK tokens (which are strings too). */
export type LambdaEnvValues = Record<Required, string> &
  Partial<Record<Exclude<LambdaEnvKey, Required>, string>>;

/** The Lambda `environment` record from values by meaning (used by the CDK app). */
export function lambdaEnvironment(values: LambdaEnvValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(LAMBDA_ENV) as [LambdaEnvKey, string][]) {
    const value = values[key];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

export interface LambdaSettings {
  dataApi: { resourceArn: string; secretArn: string; database: string };
  blobs: string;
  blobsKmsKeyId: string;
  spool: string;
  spoolBlobs: string;
  stage: string;
  mailHost: string;
  webBase: string | null;
}

/** Reads and checks the environment; a missing or malformed variable is named in the error. */
export function readLambdaEnvironment(env: NodeJS.ProcessEnv): LambdaSettings {
  const missing = REQUIRED_LAMBDA_ENV.filter((key) => !env[LAMBDA_ENV[key]]).map((key) => LAMBDA_ENV[key]);
  if (missing.length > 0) throw new Error(`Lambda environment incomplete: ${missing.join(', ')} not set`);
  const get = (key: LambdaEnvKey) => env[LAMBDA_ENV[key]] ?? '';
  for (const key of ['blobs', 'spoolBlobs'] as const)
    if (!get(key).startsWith('s3://')) throw new Error(`${LAMBDA_ENV[key]} must be s3://BUCKET/PREFIX`);
  if (!/^sqs:\/\/[A-Za-z0-9_-]+$/.test(get('spool')))
    throw new Error(`${LAMBDA_ENV.spool} must be sqs://PREFIX`);
  return {
    dataApi: {
      resourceArn: get('databaseClusterArn'),
      secretArn: get('databaseSecretArn'),
      database: get('databaseName'),
    },
    blobs: get('blobs'),
    blobsKmsKeyId: get('blobsKmsKeyId'),
    spool: get('spool'),
    spoolBlobs: get('spoolBlobs'),
    stage: get('stage'),
    mailHost: get('mailHost'),
    webBase: get('webBase') || null,
  };
}
