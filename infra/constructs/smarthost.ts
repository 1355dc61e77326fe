/**
 * The stage's smarthost (infra/config/stages.ts `smarthost`) as container settings of the `mta`
 * role: host, port and TLS mode as plain environment, the credentials from Secrets Manager (ECS
 * injects them at task start; the execution role gets read access on that one secret). The node
 * reads exactly these variables (containers/node/config-env.ts: NIMBUS_SMARTHOST*).
 */
import { Annotations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { SmarthostConfig, StageConfig } from '../config/stages';
import type { NodeRole } from '../config/topology';

export interface ContainerSettings {
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
}

/** Keys of the credentials secret's JSON (the shape SES SMTP credentials are usually stored in). */
export const SMARTHOST_SECRET_FIELDS = { user: 'username', password: 'password' } as const;

export function importSecret(scope: Construct, id: string, nameOrArn: string): secretsmanager.ISecret {
  if (!nameOrArn.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, nameOrArn);
  // A complete ARN ends in the six-character suffix Secrets Manager appends to the name.
  return /-[A-Za-z0-9]{6}$/.test(nameOrArn)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, nameOrArn)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, nameOrArn);
}

export function smarthostSettings(
  scope: Construct,
  stage: StageConfig,
  roles: readonly NodeRole[],
): ContainerSettings {
  const smarthost: SmarthostConfig | undefined = stage.smarthost;
  if (!smarthost || !roles.includes('mta')) return { environment: {}, secrets: {} };
  if (![25, 465, 587].includes(smarthost.port)) {
    Annotations.of(scope).addWarningV2(
      'nimbus:smarthost-port',
      `smarthost port ${smarthost.port}: the task security group allows SMTP egress on 25, 465 and 587 only (infra/stacks/network-stack.ts)`,
    );
  }
  const environment = {
    NIMBUS_SMARTHOST: smarthost.host,
    NIMBUS_SMARTHOST_PORT: String(smarthost.port),
    NIMBUS_SMARTHOST_TLS: smarthost.tls,
  };
  if (!smarthost.credentialsSecret) return { environment, secrets: {} };
  const secret = importSecret(scope, 'SmarthostCredentials', smarthost.credentialsSecret);
  return {
    environment,
    secrets: {
      NIMBUS_SMARTHOST_USER: ecs.Secret.fromSecretsManager(secret, SMARTHOST_SECRET_FIELDS.user),
      NIMBUS_SMARTHOST_PASSWORD: ecs.Secret.fromSecretsManager(secret, SMARTHOST_SECRET_FIELDS.password),
    },
  };
}

/** The MTA-STS mode the web role serves at /.well-known/mta-sts.txt (the one DNS advertises). */
export function mtaStsEnvironment(stage: StageConfig, roles: readonly NodeRole[]): Record<string, string> {
  return roles.includes('web') ? { NIMBUS_MTA_STS_MODE: stage.dns?.mtaStsMode ?? 'testing' } : {};
}
