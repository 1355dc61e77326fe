/**
 * Reading a synthesized cloud assembly (`cdk synth -o DIR`, or App.synth()): its stacks, their
 * templates, the Lambda functions with their asset directories, and a generic resolver of the
 * CloudFormation intrinsics in a template value (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split, Fn::ImportValue, Fn::GetStackOutput). What a reference points to is the caller's:
 * the test maps resources to what it created (a moto queue, a secret's ARN …). Any suite that
 * boots a shipped artifact with its template's settings can use it (Lambda here; ECS task
 * definitions in the same way).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
}

export interface AssemblyStack {
  /** Stack (and artifact) name, e.g. Nimbus-dev-Data. */
  name: string;
  /** From the artifact's environment (aws://ACCOUNT/REGION). */
  region: string;
  template: CfnTemplate;
}

export interface LambdaFunctionInfo {
  stack: AssemblyStack;
  logicalId: string;
  resource: CfnResource;
  /** aws:cdk:path metadata, e.g. Nimbus-dev-Services/WebApi/Jmap/Resource. */
  cdkPath: string;
  /** `index.handler` → file index.js, export handler. */
  handler: string;
  /** The asset directory in the assembly (null: inline code or an asset outside it). */
  assetDir: string | null;
  /** Environment.Variables as in the template (intrinsics unresolved). */
  environment: Record<string, unknown>;
}

/** `npx cdk synth` of one stage into `outDir`, offline (the CLI, as an operator runs it). */
export function synthesizeStage(repoRoot: string, stage: string, outDir: string): void {
  const result = spawnSync('npx', ['cdk', 'synth', '-c', `stage=${stage}`, '--quiet', '-o', outDir], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CI: 'true' },
    timeout: 600_000,
  });
  if (result.status !== 0)
    throw new Error(`cdk synth failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
}

export class CloudAssembly {
  readonly stacks = new Map<string, AssemblyStack>();

  constructor(readonly directory: string) {
    const manifest = JSON.parse(readFileSync(path.join(directory, 'manifest.json'), 'utf8')) as {
      artifacts: Record<
        string,
        { type: string; environment?: string; properties?: { templateFile?: string; stackName?: string } }
      >;
    };
    for (const [id, artifact] of Object.entries(manifest.artifacts)) {
      if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
      const template = JSON.parse(
        readFileSync(path.join(directory, artifact.properties.templateFile), 'utf8'),
      ) as CfnTemplate;
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1] ?? 'unknown-region';
      const name = artifact.properties.stackName ?? id;
      this.stacks.set(name, { name, region, template });
    }
  }

  stack(name: string): AssemblyStack {
    const stack = this.stacks.get(name);
    if (!stack)
      throw new Error(`no stack ${name} in ${this.directory} (${[...this.stacks.keys()].join(', ')})`);
    return stack;
  }

  /** Every resource of a type, over all stacks. */
  resources(type: string): { stack: AssemblyStack; logicalId: string; resource: CfnResource }[] {
    const out: { stack: AssemblyStack; logicalId: string; resource: CfnResource }[] = [];
    for (const stack of this.stacks.values())
      for (const [logicalId, resource] of Object.entries(stack.template.Resources))
        if (resource.Type === type) out.push({ stack, logicalId, resource });
    return out;
  }

  lambdaFunctions(): LambdaFunctionInfo[] {
    return this.resources('AWS::Lambda::Function').map(({ stack, logicalId, resource }) => {
      const props = resource.Properties ?? {};
      const metadata = resource.Metadata ?? {};
      const code = (props.Code ?? {}) as { S3Key?: unknown };
      const assetPath =
        typeof metadata['aws:asset:path'] === 'string'
          ? metadata['aws:asset:path']
          : typeof code.S3Key === 'string'
            ? `asset.${code.S3Key.replace(/\.zip$/, '')}`
            : null;
      const dir = assetPath ? path.resolve(this.directory, assetPath) : null;
      return {
        stack,
        logicalId,
        resource,
        cdkPath: String(metadata['aws:cdk:path'] ?? ''),
        handler: String(props.Handler ?? ''),
        assetDir: dir && existsSync(dir) ? dir : null,
        environment: ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
          {}) as Record<string, unknown>,
      };
    });
  }
}

/** What a Ref / Fn::GetAtt names; the resolver returns its value, or undefined (→ error). */
export interface ResourceReference {
  stack: AssemblyStack;
  logicalId: string;
  resource: CfnResource;
  /** Undefined for Ref; the attribute for Fn::GetAtt (e.g. `Arn`, `QueueName`). */
  attribute?: string;
}

export interface ResolveOptions {
  assembly: CloudAssembly;
  /** The stack the value is in. */
  stack: AssemblyStack;
  accountId: string;
  resolveResource(ref: ResourceReference): string | undefined;
}

type Value = unknown;

/** Resolves every intrinsic in `value` to strings; an unknown reference throws, naming it. */
export function resolveIntrinsics(value: Value, options: ResolveOptions): Value {
  const { assembly, stack } = options;
  const again = (v: Value, inStack: AssemblyStack = stack) =>
    resolveIntrinsics(v, { ...options, stack: inStack });
  const str = (v: Value) => {
    const resolved = again(v);
    if (typeof resolved !== 'string' && typeof resolved !== 'number')
      throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
    return String(resolved);
  };
  const ref = (name: string, attribute?: string): string => {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': options.accountId,
      'AWS::Region': stack.region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stack.name,
      'AWS::StackId': `arn:aws:cloudformation:${stack.region}:${options.accountId}:stack/${stack.name}/id`,
    };
    if (!attribute && name in pseudo) return pseudo[name];
    const parameter = stack.template.Parameters?.[name];
    if (!attribute && parameter) return str(parameter.Default);
    const resource = stack.template.Resources[name];
    if (!resource) throw new Error(`${stack.name}: reference to unknown ${name}`);
    const resolved = options.resolveResource({ stack, logicalId: name, resource, attribute });
    if (resolved === undefined)
      throw new Error(
        `${stack.name}: no value for ${attribute ? `Fn::GetAtt ${name}.${attribute}` : `Ref ${name}`} (${resource.Type})`,
      );
    return resolved;
  };

  if (Array.isArray(value)) return value.map((v) => again(v));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, Value>);
  if (entries.length !== 1 || !(entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::')))
    return Object.fromEntries(entries.map(([k, v]) => [k, again(v)]));
  const [fn, arg] = entries[0];
  switch (fn) {
    case 'Ref':
      return ref(String(arg));
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.+)/);
      return ref(id, attribute);
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, Value[]];
      const list = again(parts);
      return (Array.isArray(list) ? list : [list]).map((p) => String(p)).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [Value, Value];
      const items = again(list) as Value[];
      return items[Number(again(index))];
    }
    case 'Fn::Split': {
      const [separator, source] = arg as [string, Value];
      return str(source).split(separator);
    }
    case 'Fn::Sub': {
      const [template, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, Value>];
      return template.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (name in variables) return str(variables[name]);
        const [id, attribute] = name.split(/\.(.+)/);
        return ref(id, attribute);
      });
    }
    case 'Fn::GetStackOutput': {
      const { StackName, OutputName } = arg as { StackName: Value; OutputName: Value };
      const producer = assembly.stack(str(StackName));
      const output = producer.template.Outputs?.[str(OutputName)];
      if (!output) throw new Error(`${producer.name} has no output ${str(OutputName)}`);
      return again(output.Value, producer);
    }
    case 'Fn::ImportValue': {
      const name = str(arg);
      for (const producer of assembly.stacks.values()) {
        for (const output of Object.values(producer.template.Outputs ?? {})) {
          if (output.Export && again(output.Export.Name, producer) === name)
            return again(output.Value, producer);
        }
      }
      throw new Error(`no stack exports ${name}`);
    }
    default:
      throw new Error(`${stack.name}: intrinsic ${fn} is not resolved by test/helpers/cloud-assembly.ts`);
  }
}

/** A function's Environment.Variables with every intrinsic resolved. */
export function resolvedEnvironment(
  fn: LambdaFunctionInfo,
  options: Omit<ResolveOptions, 'stack'>,
): Record<string, string> {
  const resolved = resolveIntrinsics(fn.environment, { ...options, stack: fn.stack }) as Record<
    string,
    Value
  >;
  return Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, String(v)]));
}
