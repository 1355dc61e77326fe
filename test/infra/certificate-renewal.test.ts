/**
 * The ACME renewal function in the synthesized templates, for a stage with `acme` and a hosted
 * zone: its environment, daily schedule, least-privilege policy (the two secrets, the challenge
 * TXT records of its names in that zone only), its alarms, and cdk-nag.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { validateStage, type StageConfig } from '../../infra/config/stages';
import { LETS_ENCRYPT_STAGING } from '../../functions/acme/config';
import { outboundStage } from './fixtures/outbound-stage';
import { asArray, cdkContext, policyStatements, resourcesOf, synthStage, type Synthesized } from './synth';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const stage: StageConfig = {
  ...outboundStage(),
  name: 'acme',
  acme: { email: 'hostmaster@nimbus-mail.example', extraNames: ['smtp.nimbus-mail.example'] },
};
let s: Synthesized;

beforeAll(() => {
  s = synthStage(stage);
});

type Fn = { Properties: { FunctionName?: string; Environment: { Variables: Record<string, unknown> } } };
const renewalFunction = () =>
  Object.values(resourcesOf(s.data, 'AWS::Lambda::Function') as unknown as Record<string, Fn>).find(
    (fn) => fn.Properties.FunctionName === 'nimbus-acme-acme-renewal',
  )!;

it('runs the renewal function with the names, zone, secrets and Let’s Encrypt production by default', () => {
  const env = renewalFunction().Properties.Environment.Variables;
  expect(env).toMatchObject({
    NIMBUS_STAGE: 'acme',
    HOSTED_ZONE_ID: ZONE,
    ACME_NAMES: 'mail.nimbus-mail.example,smtp.nimbus-mail.example',
    ACME_DIRECTORY_URL: 'https://acme-v02.api.letsencrypt.org/directory',
    ACME_RENEW_BEFORE_DAYS: '30',
    ACME_EMAIL: 'hostmaster@nimbus-mail.example',
  });
  expect(JSON.stringify(env.TLS_SECRET_ARN)).toContain('TlsCertificate');
  expect(JSON.stringify(env.ACME_ACCOUNT_KEY_SECRET_ARN)).toContain('AcmeAccountKey');
});

it('is scheduled daily', () => {
  const rules = Object.values(resourcesOf(s.data, 'AWS::Events::Rule'));
  const daily = rules.find((r) => r.Properties?.ScheduleExpression === 'rate(1 day)');
  expect(JSON.stringify(daily?.Properties?.Targets)).toContain('CertificateRenewalFunction');
});

it('may change only the challenge TXT records of its names, in its zone', () => {
  const statements = policyStatements(s.data) as {
    Sid?: string;
    Action: string | string[];
    Resource: unknown;
    Condition?: unknown;
  }[];
  const route53 = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('route53:')));
  const change = route53.find((st) => asArray(st.Action).includes('route53:ChangeResourceRecordSets'))!;
  expect(JSON.stringify(change.Resource)).toContain(`:route53:::hostedzone/${ZONE}`);
  expect(change.Condition).toEqual({
    'ForAllValues:StringEquals': {
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
        '_acme-challenge.mail.nimbus-mail.example',
        '_acme-challenge.smtp.nimbus-mail.example',
      ],
      'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
    },
  });
  const actions = route53.flatMap((st) => asArray(st.Action)).sort();
  expect(actions).toEqual([
    'route53:ChangeResourceRecordSets',
    'route53:GetChange',
    'route53:ListResourceRecordSets',
  ]);
  const secrets = statements.find((st) => st.Sid === 'CertificateSecrets')!;
  expect(asArray(secrets.Action).sort()).toEqual([
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
  ]);
  const resources = JSON.stringify(secrets.Resource);
  expect(resources).toContain('TlsCertificate');
  expect(resources).toContain('AcmeAccountKey');
  expect(asArray(secrets.Resource as unknown[])).toHaveLength(2);
});

it('alarms on a failed run and on a certificate close to expiry', () => {
  const names = Object.values(resourcesOf(s.monitoring, 'AWS::CloudWatch::Alarm')).map(
    (a) => a.Properties?.AlarmName,
  );
  expect(names).toEqual(
    expect.arrayContaining(['nimbus-acme-certificate-renewal-errors', 'nimbus-acme-certificate-expiry']),
  );
  s.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'nimbus-acme-certificate-expiry',
    MetricName: 'CertificateDaysLeft',
    Namespace: 'Nimbus',
    Threshold: 14,
    ComparisonOperator: 'LessThanThreshold',
  });
});

it('passes cdk-nag with zero unacknowledged findings', () => {
  const report = new AwsSolutionsChecks(s.app).validateScope(s.app);
  expect(
    report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
  ).toEqual([]);
});

describe('stage validation', () => {
  const zones = (cdkContext()['nimbus:availabilityZones'] as Record<string, string[]>)[stage.region];
  it('accepts the stage, and a staging directory', () => {
    expect(() => validateStage(stage, zones)).not.toThrow();
    expect(() =>
      validateStage({ ...stage, acme: { directoryUrl: LETS_ENCRYPT_STAGING } }, zones),
    ).not.toThrow();
  });
  it('refuses acme without a hosted zone, names outside the zone, odd renewal windows', () => {
    expect(() => validateStage({ ...stage, dns: undefined }, zones)).toThrow(/acme needs dns.hostedZone/);
    expect(() => validateStage({ ...stage, acme: { extraNames: ['mail.other.example'] } }, zones)).toThrow(
      /mail.other.example is not in hosted zone/,
    );
    expect(() => validateStage({ ...stage, acme: { renewBeforeDays: 0 } }, zones)).toThrow(/renewBeforeDays/);
  });
});
