/**
 * Route 53 records, the smarthost setting and blob encryption in the synthesized templates, for a
 * stage that names a hosted zone and a smarthost (test/infra/fixtures/outbound-stage.ts).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STAGES, validateStage } from '../../infra/config/stages';
import { mailZoneRecords } from '../../core/dns/zone-records';
import { stageZoneInput } from '../../infra/constructs/dns-records';
import { SMARTHOST_SECRET_ARN, outboundStage } from './fixtures/outbound-stage';
import { environmentOf, resourcesOf, synthStage, type Synthesized } from './synth';

const stage = outboundStage();
let s: Synthesized;
let plain: Synthesized;

beforeAll(() => {
  s = synthStage(stage);
  plain = synthStage(STAGES.dev);
});

type Resource = { Properties?: Record<string, unknown> };
const recordSets = (t: Synthesized) =>
  Object.values(resourcesOf(t.services, 'AWS::Route53::RecordSet')).map(
    (r) => r.Properties as { Name: string; Type: string; ResourceRecords?: string[]; AliasTarget?: unknown },
  );
const containerOf = (td: Resource) =>
  (
    td.Properties!.ContainerDefinitions as {
      Environment: { Name: string; Value: unknown }[];
      Secrets?: { Name: string; ValueFrom: unknown }[];
    }[]
  )[0];
const taskOf = (t: Synthesized, roles: string) =>
  Object.values(resourcesOf(t.services, 'AWS::ECS::TaskDefinition')).find(
    (td) => environmentOf(td).NIMBUS_ROLES === roles,
  )!;

describe('Route 53 records', () => {
  it('creates exactly the records `nimbus dns records` prints, in the imported zone', () => {
    const sets = recordSets(s);
    for (const set of sets) expect(JSON.stringify(set)).toContain('Z0123456789ABCDEFGHIJ');
    const expected = mailZoneRecords(stageZoneInput(stage));
    for (const record of expected) {
      expect(sets).toContainEqual(expect.objectContaining({ Name: `${record.name}.`, Type: record.type }));
    }
    // Plus the two ALIAS A records (mail host → NLB, web host → ALB), nothing else.
    expect(sets).toHaveLength(expected.length + 2);
  });

  it('points MX at the mail host, which is an ALIAS onto the NLB; the web names at the ALB', () => {
    s.services.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'nimbus-mail.example.',
      Type: 'MX',
      ResourceRecords: ['10 mail.nimbus-mail.example.'],
    });
    const alias = (name: string) => recordSets(s).find((r) => r.Name === name && r.Type === 'A')!.AliasTarget;
    expect(JSON.stringify(alias('mail.nimbus-mail.example.'))).toMatch(/Nlb/);
    expect(JSON.stringify(alias('webmail.nimbus-mail.example.'))).toMatch(/Alb/);
    for (const label of ['mta-sts', 'autoconfig', 'autodiscover']) {
      s.services.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${label}.nimbus-mail.example.`,
        Type: 'CNAME',
        ResourceRecords: ['webmail.nimbus-mail.example.'],
      });
    }
  });

  it('publishes SPF for the smarthost (SES), DMARC and MTA-STS from the stage, SRV with the NLB ports', () => {
    const txt = (name: string) =>
      recordSets(s).find((r) => r.Name === name && r.Type === 'TXT')!.ResourceRecords;
    expect(txt('nimbus-mail.example.')).toEqual(['"v=spf1 include:amazonses.com -all"']);
    expect(txt('_dmarc.nimbus-mail.example.')![0]).toContain('p=reject');
    expect(txt('_mta-sts.nimbus-mail.example.')![0]).toMatch(/^"v=STSv1; id=[0-9a-f]{20}"$/);
    expect(txt('_smtp._tls.nimbus-mail.example.')![0]).toContain('v=TLSRPTv1; rua=mailto:');
    const srv = (name: string) =>
      recordSets(s).find((r) => r.Name === name && r.Type === 'SRV')!.ResourceRecords;
    expect(srv('_imaps._tcp.nimbus-mail.example.')).toEqual(['0 1 993 mail.nimbus-mail.example.']);
    expect(srv('_submission._tcp.nimbus-mail.example.')).toEqual(['10 1 587 mail.nimbus-mail.example.']);
    expect(srv('_pop3s._tcp.nimbus-mail.example.')).toEqual(['0 1 995 mail.nimbus-mail.example.']);
    expect(srv('_sieve._tcp.nimbus-mail.example.')).toEqual(['0 1 4190 mail.nimbus-mail.example.']);
  });

  it('creates no records when the stage names no hosted zone', () => {
    expect(recordSets(plain)).toHaveLength(0);
  });

  it('serves the MTA-STS mode the records were made for (web role only)', () => {
    expect(environmentOf(taskOf(s, 'web')).NIMBUS_MTA_STS_MODE).toBe('enforce');
    expect(environmentOf(taskOf(s, 'mta')).NIMBUS_MTA_STS_MODE).toBeUndefined();
  });
});

describe('smarthost', () => {
  it('gives the mta container host, port and TLS mode, and the credentials from Secrets Manager', () => {
    const mta = containerOf(taskOf(s, 'mta'));
    expect(environmentOf(taskOf(s, 'mta'))).toMatchObject({
      NIMBUS_SMARTHOST: 'email-smtp.eu-west-1.amazonaws.com',
      NIMBUS_SMARTHOST_PORT: '587',
      NIMBUS_SMARTHOST_TLS: 'starttls',
    });
    expect(mta.Secrets).toEqual(
      expect.arrayContaining([
        { Name: 'NIMBUS_SMARTHOST_USER', ValueFrom: `${SMARTHOST_SECRET_ARN}:username::` },
        { Name: 'NIMBUS_SMARTHOST_PASSWORD', ValueFrom: `${SMARTHOST_SECRET_ARN}:password::` },
      ]),
    );
    // No credentials in plain environment, and no other service relays.
    expect(JSON.stringify(mta.Environment)).not.toMatch(/SMARTHOST_(USER|PASSWORD)/);
    for (const roles of ['mx,delivery', 'submission,imap,pop3,managesieve', 'web']) {
      expect(JSON.stringify(containerOf(taskOf(s, roles)))).not.toContain('SMARTHOST');
    }
  });

  it("lets only the mta task's execution role read that secret", () => {
    const policies = Object.values(resourcesOf(s.services, 'AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties).includes(SMARTHOST_SECRET_ARN),
    );
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0].Properties)).toContain('secretsmanager:GetSecretValue');
    expect(JSON.stringify(policies[0].Properties!.Roles)).toMatch(/Mta/);
  });
});

it('passes cdk-nag with zero unacknowledged findings (records, smarthost secret)', () => {
  const report = new AwsSolutionsChecks(s.app).validateScope(s.app);
  expect(
    report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
  ).toEqual([]);
});

describe('blob encryption', () => {
  it('denies PutObject with another SSE algorithm, another KMS key, or aws:kms without a key id', () => {
    const statements = Object.values(resourcesOf(plain.data, 'AWS::S3::BucketPolicy')).flatMap(
      (p) => (p.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid)!;
    expect(bySid('DenyOtherEncryption')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      },
    });
    const otherKey = bySid('DenyOtherKmsKey') as { Condition: { StringNotEquals: Record<string, unknown> } };
    expect(otherKey).toMatchObject({
      Effect: 'Deny',
      Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' } },
    });
    expect(JSON.stringify(otherKey.Condition.StringNotEquals)).toMatch(/DataKey.*Arn/);
    expect(bySid('DenyAwsManagedKey')).toMatchObject({
      Effect: 'Deny',
      Condition: {
        StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      },
    });
  });

  it('passes the key ARN to every task and lets the task roles use it', () => {
    for (const td of Object.values(resourcesOf(plain.services, 'AWS::ECS::TaskDefinition'))) {
      expect(JSON.stringify(environmentOf(td).NIMBUS_BLOBS_KMS_KEY_ID)).toMatch(/DataKey.*Arn/);
    }
    plain.services.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DataKey', Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
  });
});

describe('stage validation', () => {
  const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
  it('accepts the fixture and refuses a zone without the mail domain, a bad zone id or smarthost', () => {
    expect(() => validateStage(stage, zones)).not.toThrow();
    const problems = (changes: object) => {
      try {
        validateStage({ ...stage, ...changes }, zones);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ dns: { hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'other.example' } } })).toMatch(
      /does not contain mailDomain/,
    );
    expect(problems({ dns: { hostedZone: { id: 'not-an-id', name: 'nimbus-mail.example' } } })).toMatch(
      /not a Route 53 id/,
    );
    expect(problems({ smarthost: { host: 'bad host', port: 587, tls: 'starttls' } })).toMatch(
      /not a host name/,
    );
    expect(problems({ smarthost: { host: 'relay.example', port: 0, tls: 'starttls' } })).toMatch(
      /1\.\.65535/,
    );
    expect(
      problems({
        smarthost: { host: 'relay.example', port: 587, tls: 'starttls', credentialsSecret: 'arn:aws:s3:::x' },
      }),
    ).toMatch(/credentialsSecret/);
  });
});
