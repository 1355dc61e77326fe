/**
 * The ECS task definitions against what the node reads (the fast half of the task boot test in
 * test/integration/task-boot.test.ts): every variable set is one the code reads, the settings a
 * node on Fargate needs are there, NIMBUS_DATA lies on a writable task volume under a read-only
 * root, the secrets come from Secrets Manager, and the environment passes the node's own
 * configuration validation once the CloudFormation references are filled in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENV_SETTINGS, loadConfig } from '../../containers/node/config';
import { STAGES, type StageName } from '../../infra/config/stages';
import { MAIL_PORTS } from '../../infra/config/topology';
import {
  containersOf,
  resolveValue,
  type CfnTemplate,
  type ResolveContext,
} from '../helpers/task-definition';
import { policyStatements, synthStage } from './synth';

const ROOT = path.resolve(__dirname, '../..');

/** All source text the node bundle is built from (containers/, core/, functions/). */
function sourceText(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts')) out.push(readFileSync(file, 'utf8'));
    }
  };
  for (const dir of ['containers', 'core', 'functions']) walk(path.join(ROOT, dir));
  return out.join('\n');
}
const SOURCES = sourceText();

/** Stand-ins that only have to be well-formed (this test runs nothing). */
function placeholderContext(templates: Record<string, CfnTemplate>): ResolveContext {
  return {
    templates,
    pseudo: { accountId: '123456789012', region: 'eu-west-1' },
    resources: ({ logicalId, resource, attribute }) => {
      if (resource.Type === 'AWS::EC2::VPC' && attribute === 'CidrBlock') return '10.0.0.0/16';
      if (resource.Type === 'AWS::RDS::DBProxy' || resource.Type === 'AWS::RDS::DBCluster')
        return attribute === null ? logicalId : 'db.example.internal';
      return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${logicalId}-AbCdEf`;
    },
  };
}

describe.each(Object.keys(STAGES) as StageName[])('task definitions of stage %s', (name) => {
  const stage = STAGES[name];
  const s = synthStage(stage);
  const templates = Object.fromEntries(
    (['network', 'data', 'services', 'monitoring'] as const).map((k) => [
      s.stacks[k].stackName,
      s[k].toJSON() as CfnTemplate,
    ]),
  );
  const servicesStack = s.stacks.services.stackName;
  const containers = containersOf(templates[servicesStack]);
  const ctx = placeholderContext(templates);

  it('has one container per service of the topology', () => {
    expect(containers.map((c) => c.service).sort()).toEqual(Object.keys(stage.cluster.services).sort());
  });

  it.each(containers.map((c) => [c.service, c] as const))(
    '%s: sets every variable a Fargate node needs, and only variables the code reads',
    (_, container) => {
      const env = container.environment;
      for (const required of [
        'NIMBUS_DATA',
        'NIMBUS_ROLES',
        'NIMBUS_STAGE',
        'NIMBUS_HOST',
        'NIMBUS_HTTP_PORT',
        'NIMBUS_METRICS',
        'DATABASE_URL',
        'NIMBUS_BLOBS',
        'NIMBUS_SPOOL',
        'NIMBUS_SPOOL_BLOBS',
        'NIMBUS_PROXY_PROTOCOL_TRUSTED',
      ])
        expect({ [required]: env[required] !== undefined }).toEqual({ [required]: true });
      expect(env.NIMBUS_METRICS).toBe('emf');
      const roles = String(env.NIMBUS_ROLES).split(',');
      for (const port of MAIL_PORTS.filter((p) => roles.includes(p.role)))
        expect(env[port.envVar]).toBe(String(port.containerPort));
      for (const name of [...Object.keys(env), ...container.secrets.map((x) => x.Name)])
        expect({
          name,
          read: name in ENV_SETTINGS || SOURCES.includes(`'${name}'`) || SOURCES.includes(`.${name}`),
        }).toEqual({
          name,
          read: true,
        });
    },
  );

  it.each(containers.map((c) => [c.service, c] as const))(
    '%s: NIMBUS_DATA lies on a writable task volume under a read-only root, as a non-root user',
    (_, container) => {
      expect(container.readonlyRootFilesystem).toBe(true);
      expect(container.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      const dataDir = String(container.environment.NIMBUS_DATA);
      expect(path.isAbsolute(dataDir)).toBe(true);
      const mount = container.mountPoints.find(
        (m) => !m.ReadOnly && `${dataDir}/`.startsWith(`${m.ContainerPath.replace(/\/$/, '')}/`),
      );
      expect(mount).toBeDefined();
      expect(container.volumes[mount!.SourceVolume]).toBe('ephemeral');
    },
  );

  it.each(containers.map((c) => [c.service, c] as const))(
    '%s: takes the installation secret from Secrets Manager, and no secret from the environment',
    (_, container) => {
      const secrets = Object.fromEntries(container.secrets.map((x) => [x.Name, JSON.stringify(x.ValueFrom)]));
      expect(secrets.NIMBUS_SECRET_KEY).toContain('InstallationSecret');
      expect(container.environment.NIMBUS_SECRET_KEY).toBeUndefined();
      for (const name of Object.keys(container.environment)) expect(name).not.toMatch(/PASSWORD|SECRET_KEY/);
    },
  );

  it.each(containers.map((c) => [c.service, c] as const))(
    '%s: the environment passes the node configuration as the task would start it',
    (_, container) => {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(container.environment))
        env[key] = resolveValue(value, servicesStack, ctx);
      for (const secret of container.secrets) env[secret.Name] = 'a-secret-value-from-secrets-manager';
      const config = loadConfig({ env });
      expect(config.dataDir).toBe(env.NIMBUS_DATA);
      expect(config.metrics).toBe('emf');
      expect(config.secretKey).toBe('a-secret-value-from-secrets-manager');
      expect(config.stage).toBe(stage.name);
      expect(config.proxyProtocol.trustedNetworks).toEqual(stage.proxyProtocol ? ['10.0.0.0/16'] : []);
    },
  );

  it('checks each NLB target group on the HTTP port at /healthz/<its listener>', () => {
    for (const container of containers) {
      for (const group of container.targetGroups.filter((g) => g.protocol === 'TCP')) {
        const port = MAIL_PORTS.find((p) => p.containerPort === group.port)!;
        expect(group.healthCheck).toMatchObject({
          protocol: 'HTTP',
          port: Number(container.environment.NIMBUS_HTTP_PORT),
          path: `/healthz/${port.id}`,
        });
        expect(group.proxyProtocolV2).toBe(stage.proxyProtocol);
      }
    }
  });

  it('keeps the installation secret in the data stack, encrypted, readable by the execution roles', () => {
    const data = templates[s.stacks.data.stackName];
    const [id, secret] = Object.entries(data.Resources).find(([key]) =>
      key.startsWith('InstallationSecret'),
    )!;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties).toMatchObject({
      GenerateSecretString: expect.objectContaining({ PasswordLength: 64 }),
      KmsKeyId: expect.anything(),
    });
    const reads = policyStatements(s.services).filter(
      (st) =>
        ([] as string[]).concat(st.Action).includes('secretsmanager:GetSecretValue') &&
        JSON.stringify(st.Resource).includes(id),
    );
    expect(reads.length).toBe(containers.length);
  });
});
