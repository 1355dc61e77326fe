import * as path from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { validateStage, type StageConfig } from './config/stages';
import { availableWebHandlers } from './config/web-handlers';
import type { WebHandlerEntry } from './constructs/web-api';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { ServiceStack } from './stacks/service-stack';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const AZ_CONTEXT_KEY = 'nimbus:availabilityZones';

export interface NimbusStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly services: ServiceStack;
  readonly monitoring: MonitoringStack;
}

export interface AddStageOptions {
  readonly stage: StageConfig;
  /** Override the handlers found in functions/ (tests). */
  readonly webHandlers?: readonly WebHandlerEntry[];
  /** Account for the stacks; default: the stage's, else the CLI's (CDK_DEFAULT_ACCOUNT), else agnostic. */
  readonly account?: string;
}

/** The availability zones for a region, from cdk.json context (never looked up). */
export function availabilityZonesFor(app: App, region: string): string[] {
  const all = app.node.tryGetContext(AZ_CONTEXT_KEY) as Record<string, string[]> | undefined;
  const zones = all?.[region];
  if (!zones || zones.length === 0) {
    throw new Error(`cdk.json context "${AZ_CONTEXT_KEY}" lists no availability zones for ${region}`);
  }
  return zones;
}

/**
 * Adds one stage's four stacks: Network → Data (stateful) → Services (stateless compute) →
 * Monitoring. Stack names are Nimbus-<stage>-<Part>.
 */
export function addStage(app: App, options: AddStageOptions): NimbusStacks {
  const { stage } = options;
  const zones = availabilityZonesFor(app, stage.region);
  validateStage(stage, zones);
  const env = {
    account: options.account ?? stage.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: stage.region,
  };
  const name = (part: string) => `Nimbus-${stage.name}-${part}`;
  const common = { env, terminationProtection: stage.deletionProtection };

  const network = new NetworkStack(app, name('Network'), {
    ...common,
    description: `Nimbus Mail ${stage.name}: VPC, endpoints, flow logs, security groups`,
    stage,
    availabilityZones: zones,
  });
  const data = new DataStack(app, name('Data'), {
    ...common,
    description: `Nimbus Mail ${stage.name}: stateful resources (Aurora, S3, SQS, secrets, backups)`,
    stage,
    vpc: network.vpc,
    securityGroups: network.securityGroups,
    availabilityZones: zones,
    repoRoot: REPO_ROOT,
  });
  const services = new ServiceStack(app, name('Services'), {
    ...common,
    terminationProtection: false,
    description: `Nimbus Mail ${stage.name}: ${stage.cluster.topology} topology on Fargate, NLB, ALB, web handlers`,
    stage,
    vpc: network.vpc,
    securityGroups: network.securityGroups,
    data,
    repoRoot: REPO_ROOT,
    webHandlers: options.webHandlers ?? availableWebHandlers(REPO_ROOT),
  });
  const monitoring = new MonitoringStack(app, name('Monitoring'), {
    ...common,
    terminationProtection: false,
    description: `Nimbus Mail ${stage.name}: alarms, recovery automation, dashboard`,
    stage,
    data,
    services,
    repoRoot: REPO_ROOT,
  });
  for (const stack of [network, data, services, monitoring]) {
    Tags.of(stack).add('Project', 'nimbus-mail');
    Tags.of(stack).add('Stage', stage.name);
  }
  return { network, data, services, monitoring };
}

/** Registers cdk-nag (v3: a validation plugin, not an aspect); findings fail synthesis. */
export function addNagChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: false });
  Validations.of(app).addPlugins(checks);
  return checks;
}
