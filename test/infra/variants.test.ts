/**
 * Stage variations that the three shipped stages do not exercise: EFS as the message store, and
 * web handlers behind the HTTP API (with a fixture handler, since functions/ has none yet).
 */
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STAGES, stageByName, validateStage, type StageConfig } from '../../infra/config/stages';
import { availableWebHandlers } from '../../infra/config/web-handlers';
import { REPO_ROOT, availabilityZonesFor } from '../../infra/nimbus-app';
import { environmentOf, resourcesOf, synthStage, type Synthesized } from './synth';

const efsStage: StageConfig = { ...STAGES.dev, name: 'efs', vpcCidr: '10.49.0.0/16', blobStore: 'efs' };

describe('EFS message store and Lambda web handlers', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthStage(efsStage, [
      {
        name: 'Echo',
        entry: 'test/infra/fixtures/echo-handler.ts',
        routes: ['GET /echo', 'POST /echo/{id}'],
      },
    ]);
  });

  it('creates an encrypted EFS file system, mounts it with IAM and TLS, and backs it up', () => {
    s.data.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
    s.data.hasResourceProperties('AWS::EFS::AccessPoint', { PosixUser: { Uid: '1000', Gid: '1000' } });
    const [td] = Object.values(resourcesOf(s.services, 'AWS::ECS::TaskDefinition'));
    expect(environmentOf(td).NIMBUS_BLOBS).toBe('file:///mnt/efs');
    expect(td.Properties!.Volumes).toContainEqual(
      expect.objectContaining({
        EFSVolumeConfiguration: expect.objectContaining({
          TransitEncryption: 'ENABLED',
          AuthorizationConfig: expect.objectContaining({ IAM: 'ENABLED' }),
        }),
      }),
    );
    const selection = JSON.stringify(
      Object.values(resourcesOf(s.data, 'AWS::Backup::BackupSelection'))[0].Properties,
    );
    expect(selection).toContain('elasticfilesystem');
  });

  it('puts each web handler on Node.js 22 behind an HTTP API with access logs and routes', () => {
    s.services.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Timeout: 29 });
    s.services.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /echo' });
    s.services.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /echo/{id}' });
    s.services.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    s.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nimbus-efs-web-handler1-errors',
    });
  });

  it('passes cdk-nag with zero unacknowledged findings', () => {
    const report = new AwsSolutionsChecks(s.app).validateScope(s.app);
    expect(
      report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
    ).toEqual([]);
  });
});

describe('stage configuration', () => {
  const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

  it('accepts the shipped stages', () => {
    for (const stage of Object.values(STAGES) as StageConfig[])
      expect(() => validateStage(stage, zones)).not.toThrow();
  });

  it('chooses basic for dev, standard for staging, advanced for prod', () => {
    expect([STAGES.dev, STAGES.staging, STAGES.prod].map((s) => s.cluster.topology)).toEqual([
      'basic',
      'standard',
      'advanced',
    ]);
    expect(STAGES.prod.azCount).toBe(3);
  });

  it('rejects impossible sizing, single points of failure and missing AZs', () => {
    const bad: StageConfig = {
      ...STAGES.staging,
      cluster: {
        topology: 'standard',
        services: {
          mail: { cpu: 1024, memoryMiB: 1024, minTasks: 1, maxTasks: 4 },
          web: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 1 },
        },
      },
      azCount: 3,
    };
    expect(() => validateStage(bad, zones.slice(0, 2))).toThrow(
      /needs 3 AZs[\s\S]*not a Fargate size[\s\S]*single point of failure[\s\S]*minTasks <= maxTasks/,
    );
  });

  it('names the known stages when the stage is unknown or missing', () => {
    expect(() => stageByName('qa')).toThrow(/known stages: dev, staging, prod/);
    expect(() => stageByName(undefined)).toThrow(/-c stage=/);
  });

  it('reads availability zones from cdk.json context only', () => {
    const app = new App({ context: { 'nimbus:availabilityZones': { 'eu-west-1': zones } } });
    expect(availabilityZonesFor(app, 'eu-west-1')).toEqual(zones);
    expect(() => availabilityZonesFor(app, 'ap-south-2')).toThrow(/no availability zones/);
  });

  it('deploys only the web handlers whose source exists', () => {
    const found = availableWebHandlers(REPO_ROOT, [
      { name: 'Present', entry: 'test/infra/fixtures/echo-handler.ts', routes: ['GET /x'] },
      { name: 'Absent', entry: 'functions/does-not-exist/handler.ts', routes: ['GET /y'] },
    ]);
    expect(found.map((h) => h.name)).toEqual(['Present']);
  });
});
