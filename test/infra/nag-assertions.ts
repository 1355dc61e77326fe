/**
 * Registered by every topology test file on its shared synthesis: cdk-nag (AwsSolutions) passes with zero unacknowledged findings on every stage, every
 * acknowledgement carries a written reason, and the stateful resources keep their logical ids.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { StageConfig } from '../../infra/config/stages';
import { resourcesOf, type Synthesized } from './synth';

const STATEFUL_TYPES = [
  'AWS::KMS::Key',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBProxy',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::EFS::FileSystem',
  'AWS::Backup::BackupVault',
];

/**
 * Pinned logical ids of the Data stack's stateful resources. Changing one replaces the resource
 * (a new database, bucket or queue — and the old one deleted or orphaned). If this test fails,
 * you renamed a construct id in infra/stacks/data-stack.ts: rename it back.
 */
function expectedStatefulIds(stage: StageConfig): string[] {
  const stackHash: Record<string, string> = {
    dev: 'NimbusdevDataDatabaseSecret9D31C3AF',
    staging: 'NimbusstagingDataDatabaseSecret4658FEF7',
    prod: 'NimbusprodDataDatabaseSecret547B70C1',
  };
  const ids = [
    'AccessLogs8B620ECA',
    'BackupVault3A9C5852',
    'BlobsF0F01DC6',
    'DataKey17AFBB84',
    'DatabaseB269D8BB',
    'DatabaseProxyE01FC4E6',
    'DatabaseWriter7794273E',
    'InboundDlq70A3935D',
    'InboundQueueF8D91047',
    // Replacing it would leave every sealed DKIM key unreadable.
    'InstallationSecretA369E80F',
    `${stackHash[stage.name]}3fdaad7efa858a3daf9490cf0a702aeb`,
    'OutboundDlq5969C34E',
    'OutboundQueue6C7829A6',
    'TlsCertificate3B22FB99',
  ];
  if (stage.database.readers > 0) ids.push('DatabaseReader1ECF7A50F');
  return ids.sort();
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  const visit = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
        out.push({ path: node.node.path, id, reason });
    }
    node.node.children.forEach(visit);
  };
  visit(root);
  return out;
}

/** Registers the nag and stateful-resource tests on a stage's shared synthesis. */
export function describeNagAndStateful(stage: StageConfig, synthesized: () => Synthesized): void {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesized();
  });

  it('passes cdk-nag AwsSolutions with zero unacknowledged findings', () => {
    const report = new AwsSolutionsChecks(s.app).validateScope(s.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a written reason', () => {
    const acks = acknowledgements(s.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
  });

  it('keeps the logical ids of stateful resources stable', () => {
    const ids = STATEFUL_TYPES.flatMap((type) => Object.keys(resourcesOf(s.data, type))).sort();
    expect(ids).toEqual(expectedStatefulIds(stage));
  });

  it('keeps every stateful resource out of the compute and monitoring stacks', () => {
    for (const template of [s.services, s.monitoring, s.network]) {
      for (const type of STATEFUL_TYPES.filter((t) => t !== 'AWS::KMS::Key')) {
        expect(Object.keys(resourcesOf(template, type))).toEqual([]);
      }
    }
  });

  it(`retains stateful resources when the stage is protected (${stage.deletionProtection})`, () => {
    const policies = Object.values(
      s.data.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>,
    )
      .filter((r) =>
        ['AWS::S3::Bucket', 'AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::Backup::BackupVault'].includes(r.Type),
      )
      .map((r) => r.DeletionPolicy);
    expect(new Set(policies)).toEqual(new Set([stage.deletionProtection ? 'Retain' : 'Delete']));
    s.data.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: stage.deletionProtection ? 'Snapshot' : 'Delete',
    });
  });
}
