/**
 * Shared synthesis for the infra tests: one App per stage config, synthesized once per test file.
 * Uses the AZs from cdk.json, like `cdk synth`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { StageConfig } from '../../infra/config/stages';
import type { WebHandlerEntry } from '../../infra/constructs/web-api';
import { AZ_CONTEXT_KEY, REPO_ROOT, addStage, type NimbusStacks } from '../../infra/nimbus-app';

export interface Synthesized {
  readonly app: App;
  readonly stacks: NimbusStacks;
  readonly network: Template;
  readonly data: Template;
  readonly services: Template;
  readonly monitoring: Template;
}

export function cdkContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * The tests skip CDK's built-in CloudFormation schema validation (about 15 s per app); `cdk synth`
 * (npm run synth) still runs it. cdk-nag is run explicitly by the tests.
 */
process.env.CDK_VALIDATION = 'false';

export function synthStage(stage: StageConfig, webHandlers: readonly WebHandlerEntry[] = []): Synthesized {
  const context = cdkContext();
  const app = new App({ context: { [AZ_CONTEXT_KEY]: context[AZ_CONTEXT_KEY], ...context } });
  const stacks = addStage(app, { stage, webHandlers, account: '123456789012' });
  return {
    app,
    stacks,
    network: Template.fromStack(stacks.network),
    data: Template.fromStack(stacks.data),
    services: Template.fromStack(stacks.services),
    monitoring: Template.fromStack(stacks.monitoring),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** Every IAM policy statement of a template (inline policies and managed policies). */
export function policyStatements(
  template: Template,
): { Effect: string; Action: string | string[]; Resource: unknown }[] {
  const out: { Effect: string; Action: string | string[]; Resource: unknown }[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const resource of Object.values(resourcesOf(template, type))) {
      const doc = resource.Properties?.PolicyDocument as { Statement: typeof out };
      out.push(...doc.Statement);
    }
  }
  for (const resource of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
    for (const policy of (resource.Properties?.Policies as { PolicyDocument: { Statement: typeof out } }[]) ??
      []) {
      out.push(...policy.PolicyDocument.Statement);
    }
  }
  return out;
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Container environment of a task definition as a record. */
export function environmentOf(taskDefinition: {
  Properties?: Record<string, unknown>;
}): Record<string, unknown> {
  const containers = taskDefinition.Properties?.ContainerDefinitions as {
    Environment: { Name: string; Value: unknown }[];
  }[];
  return Object.fromEntries(containers[0].Environment.map((e) => [e.Name, e.Value]));
}
