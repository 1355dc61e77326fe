/**
 * Reads ECS containers out of synthesized CloudFormation templates, as ECS would run them: the
 * container definition (environment, secrets, user, command, read-only root, mount points, port
 * mappings) with the CloudFormation intrinsics resolved to test resources, and the NLB/ALB target
 * groups (port, PROXY v2, health check) that send it traffic.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** Templates of one stage, by stack name (what Fn::GetStackOutput / Fn::ImportValue name). */
export type Templates = Record<string, CfnTemplate>;

/** Resolves a Ref (attribute null) or Fn::GetAtt of a resource to the test's stand-in value. */
export type ResourceResolver = (ref: {
  stack: string;
  logicalId: string;
  resource: CfnResource;
  attribute: string | null;
}) => string | undefined;

export interface ResolveContext {
  templates: Templates;
  resources: ResourceResolver;
  pseudo: { accountId: string; region: string; partition?: string; urlSuffix?: string };
}

/** An intrinsic nobody stands in for: the test must fail and say which. */
export class UnresolvedIntrinsic extends Error {}

/** Resolves a CloudFormation value (strings, Ref, GetAtt, Join, Sub, Select, Split, stack outputs) to a string. */
export function resolveValue(value: unknown, stack: string, ctx: ResolveContext): string {
  const resolved = resolveAny(value, stack, ctx);
  if (Array.isArray(resolved))
    throw new UnresolvedIntrinsic(`a list where a string is needed: ${JSON.stringify(value)}`);
  return resolved;
}

function resolveAny(value: unknown, stack: string, ctx: ResolveContext): string | string[] {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, stack, ctx));
  if (!value || typeof value !== 'object')
    throw new UnresolvedIntrinsic(`cannot resolve ${JSON.stringify(value)}`);
  const [[fn, arg]] = Object.entries(value as Record<string, unknown>);
  switch (fn) {
    case 'Ref':
      return ref(String(arg), null, stack, ctx);
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
      return ref(String(id), String(attribute), stack, ctx);
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown];
      const list = resolveAny(parts, stack, ctx);
      return (Array.isArray(list) ? list : [list]).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveAny(list, stack, ctx);
      return (Array.isArray(items) ? items : [items])[Number(resolveValue(index, stack, ctx))];
    }
    case 'Fn::Split': {
      const [separator, text] = arg as [string, unknown];
      return resolveValue(text, stack, ctx).split(separator);
    }
    case 'Fn::Sub': {
      const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name in vars) return resolveValue(vars[name], stack, ctx);
        const [id, attribute] = name.split(/\.(.*)/);
        return ref(id, attribute ?? null, stack, ctx);
      });
    }
    case 'Fn::GetStackOutput': {
      const { StackName, OutputName } = arg as { StackName: string; OutputName: string };
      const output = ctx.templates[StackName]?.Outputs?.[OutputName];
      if (!output) throw new UnresolvedIntrinsic(`no output ${OutputName} in stack ${StackName}`);
      return resolveValue(output.Value, StackName, ctx);
    }
    case 'Fn::ImportValue': {
      const name = resolveValue(arg, stack, ctx);
      for (const [other, template] of Object.entries(ctx.templates)) {
        for (const output of Object.values(template.Outputs ?? {})) {
          if (output.Export && resolveValue(output.Export.Name, other, ctx) === name)
            return resolveValue(output.Value, other, ctx);
        }
      }
      throw new UnresolvedIntrinsic(`no stack exports ${name}`);
    }
    default:
      throw new UnresolvedIntrinsic(`unsupported intrinsic ${fn}`);
  }
}

function ref(id: string, attribute: string | null, stack: string, ctx: ResolveContext): string {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': ctx.pseudo.accountId,
    'AWS::Region': ctx.pseudo.region,
    'AWS::Partition': ctx.pseudo.partition ?? 'aws',
    'AWS::URLSuffix': ctx.pseudo.urlSuffix ?? 'amazonaws.com',
    'AWS::StackName': stack,
  };
  if (attribute === null && id in pseudo) return pseudo[id];
  const resource = ctx.templates[stack]?.Resources[id];
  if (!resource) throw new UnresolvedIntrinsic(`no resource ${id} in stack ${stack}`);
  const value = ctx.resources({ stack, logicalId: id, resource, attribute });
  if (value === undefined) {
    throw new UnresolvedIntrinsic(
      `no stand-in for ${attribute ? `Fn::GetAtt ${id}.${attribute}` : `Ref ${id}`} (${resource.Type} in ${stack})`,
    );
  }
  return value;
}

// --- Containers -----------------------------------------------------------------------------

export interface TargetGroupSpec {
  logicalId: string;
  /** The container port the load balancer sends traffic to. */
  port: number;
  protocol: string;
  proxyProtocolV2: boolean;
  healthCheck: { protocol: string; port: number; path: string | null; healthyCodes: string };
}

export interface ContainerSpec {
  /** The service name (the awslogs stream prefix the construct sets), e.g. `node`, `mx`. */
  service: string;
  taskDefinitionId: string;
  name: string;
  environment: Record<string, unknown>;
  secrets: { Name: string; ValueFrom: unknown }[];
  readonlyRootFilesystem: boolean;
  user: string | undefined;
  command: string[];
  mountPoints: { ContainerPath: string; SourceVolume: string; ReadOnly?: boolean }[];
  /** Task volumes by name: `ephemeral` (Fargate task storage) or another kind (EFS …). */
  volumes: Record<string, 'ephemeral' | 'other'>;
  portMappings: { ContainerPort: number; Name?: string }[];
  targetGroups: TargetGroupSpec[];
}

/** Every ECS container of a stack, with the target groups its service registers. */
export function containersOf(template: CfnTemplate): ContainerSpec[] {
  const out: ContainerSpec[] = [];
  const resources = Object.entries(template.Resources);
  for (const [id, resource] of resources) {
    if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
    const props = resource.Properties!;
    const containers = props.ContainerDefinitions as Record<string, unknown>[];
    const service = resources.find(
      ([, r]) =>
        r.Type === 'AWS::ECS::Service' &&
        JSON.stringify(r.Properties?.TaskDefinition) === JSON.stringify({ Ref: id }),
    );
    const loadBalancers = (service?.[1].Properties?.LoadBalancers ?? []) as {
      ContainerName: string;
      ContainerPort: number;
      TargetGroupArn: { Ref: string };
    }[];
    const volumes = Object.fromEntries(
      ((props.Volumes ?? []) as Record<string, unknown>[]).map((v) => [
        String(v.Name),
        Object.keys(v).length === 1 ? ('ephemeral' as const) : ('other' as const),
      ]),
    );
    for (const container of containers) {
      const logOptions = (container.LogConfiguration as { Options?: Record<string, string> } | undefined)
        ?.Options;
      out.push({
        service: logOptions?.['awslogs-stream-prefix'] ?? id,
        taskDefinitionId: id,
        name: String(container.Name),
        environment: Object.fromEntries(
          ((container.Environment ?? []) as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
        ),
        secrets: (container.Secrets ?? []) as ContainerSpec['secrets'],
        readonlyRootFilesystem: container.ReadonlyRootFilesystem === true,
        user: container.User as string | undefined,
        command: (container.Command ?? []) as string[],
        mountPoints: (container.MountPoints ?? []) as ContainerSpec['mountPoints'],
        volumes,
        portMappings: (container.PortMappings ?? []) as ContainerSpec['portMappings'],
        targetGroups: loadBalancers
          .filter((lb) => lb.ContainerName === container.Name)
          .map((lb) => targetGroupSpec(template, lb.TargetGroupArn.Ref, lb.ContainerPort)),
      });
    }
  }
  return out;
}

function targetGroupSpec(template: CfnTemplate, logicalId: string, containerPort: number): TargetGroupSpec {
  const props = template.Resources[logicalId].Properties!;
  const attributes = Object.fromEntries(
    ((props.TargetGroupAttributes ?? []) as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]),
  );
  const healthPort = props.HealthCheckPort as string | undefined;
  return {
    logicalId,
    port: containerPort,
    protocol: String(props.Protocol),
    proxyProtocolV2: attributes['proxy_protocol_v2.enabled'] === 'true',
    healthCheck: {
      protocol: String(props.HealthCheckProtocol ?? props.Protocol),
      port: !healthPort || healthPort === 'traffic-port' ? containerPort : Number(healthPort),
      path: (props.HealthCheckPath as string | undefined) ?? null,
      healthyCodes: (props.Matcher as { HttpCode?: string } | undefined)?.HttpCode ?? '200',
    },
  };
}

/** Resolves a container's environment (every value, or the test fails naming the intrinsic). */
export function resolveEnvironment(
  container: ContainerSpec,
  stack: string,
  ctx: ResolveContext,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(container.environment).map(([name, value]) => [name, resolveValue(value, stack, ctx)]),
  );
}

/**
 * The container's `secrets`, fetched the way the ECS agent does before the container starts:
 * `ValueFrom` is a Secrets Manager ARN, optionally followed by `:json-key:version-stage:version-id`.
 */
export async function injectSecrets(
  container: ContainerSpec,
  stack: string,
  ctx: ResolveContext,
  client: SecretsManagerClient,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const secret of container.secrets) {
    const valueFrom = resolveValue(secret.ValueFrom, stack, ctx);
    const parts = valueFrom.split(':');
    if (parts[2] !== 'secretsmanager' || parts.length < 7)
      throw new Error(`${secret.Name}: only Secrets Manager ARNs are supported, got ${valueFrom}`);
    const [jsonKey, versionStage, versionId] = parts.slice(7);
    const answer = await client.send(
      new GetSecretValueCommand({
        SecretId: parts.slice(0, 7).join(':'),
        VersionStage: versionStage || undefined,
        VersionId: versionId || undefined,
      }),
    );
    const text = answer.SecretString ?? '';
    if (!jsonKey) out[secret.Name] = text;
    else {
      const value = (JSON.parse(text) as Record<string, unknown>)[jsonKey];
      if (value === undefined) throw new Error(`${secret.Name}: secret has no key ${jsonKey}`);
      out[secret.Name] = String(value);
    }
  }
  return out;
}
