import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { LETS_ENCRYPT_PRODUCTION } from '../../functions/acme/config';
import type { StageConfig } from '../config/stages';
import { namePrefix, removalPolicyFor } from '../stacks/common';
import { NodeFunction } from './node-function';

export interface CertificateRenewalProps {
  readonly stage: StageConfig;
  readonly repoRoot: string;
  /** The mail TLS secret the nodes read; the function writes renewed versions into it. */
  readonly tlsSecret: secretsmanager.ISecret;
  /** The key the TLS secret (and the account key secret) are encrypted with. */
  readonly key: kms.IKey;
  readonly hostedZone: { readonly id: string; readonly name: string };
}

/** The names on the mail certificate: the mail host first, then the stage's extra names. */
export function mailCertificateNames(stage: StageConfig): string[] {
  const names = [stage.domain.mailHostname, ...(stage.acme?.extraNames ?? [])].map((n) => n.toLowerCase());
  return [...new Set(names)];
}

/**
 * ACME issuance and renewal of the mail TLS certificate (functions/acme): a daily EventBridge
 * schedule runs the function, which orders through DNS-01 in the stage's Route 53 zone when the
 * certificate is due and writes the new version into the TLS secret; the nodes load it at their
 * next poll. The ACME account key lives in its own secret. Alarms (Monitoring stack) watch the
 * function's errors and the CertificateDaysLeft metric it publishes.
 */
export class CertificateRenewal extends Construct {
  readonly function: NodeFunction;
  readonly accountKeySecret: secretsmanager.Secret;
  readonly names: string[];

  constructor(scope: Construct, id: string, props: CertificateRenewalProps) {
    super(scope, id);
    const { stage, hostedZone } = props;
    const prefix = namePrefix(stage);
    this.names = mailCertificateNames(stage);

    this.accountKeySecret = new secretsmanager.Secret(this, 'AcmeAccountKey', {
      secretName: `${prefix}/acme-account-key`,
      description: `ACME account private key (PEM) used to renew the mail certificate of ${stage.name}; created by the renewal function on its first run`,
      encryptionKey: props.key,
      removalPolicy: removalPolicyFor(stage),
    });
    Validations.of(this.accountKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'An ACME account key is not a credential a rotation function could rotate: replacing it means a new CA account (key rollover), done by hand if ever needed.',
    });

    this.function = new NodeFunction(this, 'Function', {
      stage,
      repoRoot: props.repoRoot,
      entry: 'functions/acme/handler.ts',
      functionName: `${prefix}-acme-renewal`,
      description: 'Renews the mail TLS certificate in its secret with ACME DNS-01 (Route 53) when due',
      // An order waits for Route 53 INSYNC (up to 3 min) and the CA's validation: minutes.
      timeout: Duration.minutes(10),
      memorySize: 256,
      // No automatic retry: a failed order is retried by the next day's run (the CA rate-limits
      // failed validations), and the Errors alarm tells an operator.
      retryAttempts: 0,
      environment: {
        NIMBUS_STAGE: stage.name,
        TLS_SECRET_ARN: props.tlsSecret.secretArn,
        ACME_ACCOUNT_KEY_SECRET_ARN: this.accountKeySecret.secretArn,
        HOSTED_ZONE_ID: hostedZone.id,
        ACME_NAMES: this.names.join(','),
        ACME_DIRECTORY_URL: stage.acme?.directoryUrl ?? LETS_ENCRYPT_PRODUCTION,
        ACME_RENEW_BEFORE_DAYS: String(stage.acme?.renewBeforeDays ?? 30),
        ...(stage.acme?.email ? { ACME_EMAIL: stage.acme.email } : {}),
      },
    });
    this.grant(props);

    new events.Rule(this, 'Daily', {
      description: `Daily check of the ${stage.name} mail certificate (renewed when due)`,
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }

  private grant(props: CertificateRenewalProps): void {
    const stack = Stack.of(this);
    const add = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.function.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));
    add(
      'CertificateSecrets',
      ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      [props.tlsSecret.secretArn, this.accountKeySecret.secretArn],
    );
    add('SecretsKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [props.key.keyArn]);
    const zoneArn = stack.formatArn({
      service: 'route53',
      region: '',
      account: '',
      resource: 'hostedzone',
      resourceName: props.hostedZone.id,
    });
    // Only the challenge TXT records of the certificate's names, in this zone.
    add('ChallengeRecords', ['route53:ChangeResourceRecordSets'], [zoneArn], {
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': this.names.map(
          (n) => `_acme-challenge.${n}`,
        ),
        'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
      },
    });
    add('ReadChallengeRecords', ['route53:ListResourceRecordSets'], [zoneArn]);
    const changeArn = stack.formatArn({
      service: 'route53',
      region: '',
      account: '',
      resource: 'change',
      resourceName: '*',
    });
    add('ChangeStatus', ['route53:GetChange'], [changeArn]);
    // cdk-nag names the finding by the rendered ARN: a pseudo-parameter, or the literal partition.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    Validations.of(this.function.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:route53:::change/*]`,
      reason:
        'Route 53 change ids are only known once a change is submitted; GetChange only reads the status (PENDING/INSYNC) of a change.',
    });
  }
}
