import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { removalPolicyFor } from '../stacks/common';

export interface NodeFunctionProps extends Omit<
  NodejsFunctionProps,
  'entry' | 'runtime' | 'architecture' | 'bundling' | 'logGroup'
> {
  readonly stage: StageConfig;
  readonly repoRoot: string;
  /** Handler source, relative to the repository root. */
  readonly entry: string;
  /** Shell commands run after esbuild, e.g. to add files next to the bundle (`outputDir`). */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * A Lambda function from a TypeScript handler in this repository, bundled by the local esbuild at
 * synth time (never Docker), on Node.js 22 — the same major as the container image — with its own
 * log group (stage retention) and JSON logs.
 */
export class NodeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const { stage, repoRoot, entry, afterBundling, ...rest } = props;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: stage.logRetentionDays,
      removalPolicy: removalPolicyFor(stage),
    });
    // Own role with write access to its own log group only (instead of AWSLambdaBasicExecutionRole).
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: logs to its own log group; other permissions are added by the caller`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      timeout: Duration.seconds(30),
      memorySize: 256,
      ...rest,
      entry: path.join(repoRoot, entry),
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture:
        stage.cpuArchitecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      logGroup,
      role,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // The AWS SDK clients are bundled (the versions this repository pins and tests), not taken
        // from the runtime's copy: a bundle then runs as shipped on any Node.js 22, and the
        // boot test (test/integration/function-boot.test.ts) runs exactly what Lambda runs.
        // esbuild itself is only used to build the webmail from source; bundles ship it prebuilt.
        externalModules: ['esbuild'],
        ...(afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling,
              },
            }
          : {}),
      },
      environment: { NODE_OPTIONS: '--enable-source-maps', ...(rest.environment ?? {}) },
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 on purpose: the same major as the mail node container image (containers/Dockerfile), so core/ code runs on one runtime everywhere.',
    });
  }
}
