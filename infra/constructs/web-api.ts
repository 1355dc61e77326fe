import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { removalPolicyFor } from '../stacks/common';
import { NodeFunction } from './node-function';

/** One web handler from `functions/`: a middy-wrapped request → response function. */
export interface WebHandlerEntry {
  /** Construct id and function description stem, e.g. `Jmap`. */
  readonly name: string;
  /** Handler source relative to the repository root, e.g. `functions/jmap/handler.ts`. */
  readonly entry: string;
  /** HTTP API routes, e.g. `POST /jmap`, `GET /webmail/{proxy+}`. */
  readonly routes: readonly string[];
  readonly memorySize?: number;
  /** At most 29 s: API Gateway cuts requests at 30 s (long-held requests belong to the `web` role). */
  readonly timeoutSeconds?: number;
  readonly environment?: Record<string, string>;
  /** Shell commands run after the handler is bundled (files to ship next to it). */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

export interface WebApiProps {
  readonly stage: StageConfig;
  readonly repoRoot: string;
  readonly handlers: readonly WebHandlerEntry[];
  /** Applied to every handler (endpoints, ARNs); grants are the caller's. */
  readonly environment?: Record<string, string>;
}

/**
 * The stateless web handlers as Lambda functions behind an HTTP API with access logs. Requests
 * that must be held open longer than API Gateway's 30 s (ActiveSync Ping, JMAP push) are served by
 * the `web` Fargate role behind the ALB instead.
 */
export class WebApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly functions: NodeFunction[] = [];

  constructor(scope: Construct, id: string, props: WebApiProps) {
    super(scope, id);
    const { stage } = props;
    if (props.handlers.length === 0) throw new Error('WebApi needs at least one handler');

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: stage.logRetentionDays,
      removalPolicy: removalPolicyFor(stage),
    });
    let defaultDomainMapping: apigwv2.DomainMappingOptions | undefined;
    if (stage.certificates.apiCertificateArn) {
      const domainName = new apigwv2.DomainName(this, 'Domain', {
        domainName: stage.domain.apiHostname,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'Certificate',
          stage.certificates.apiCertificateArn,
        ),
      });
      defaultDomainMapping = { domainName };
    }
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `Nimbus ${stage.name} web handlers`,
      defaultDomainMapping,
      disableExecuteApiEndpoint: Boolean(defaultDomainMapping),
      createDefaultStage: false,
    });
    const apiStage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
      throttle: { rateLimit: 500, burstLimit: 1000 },
    });

    for (const handler of props.handlers) {
      const fn = new NodeFunction(this, handler.name, {
        stage,
        repoRoot: props.repoRoot,
        entry: handler.entry,
        description: `Nimbus ${stage.name} web handler ${handler.name}`,
        memorySize: handler.memorySize ?? 512,
        timeout: Duration.seconds(Math.min(handler.timeoutSeconds ?? 29, 29)),
        environment: { ...props.environment, ...handler.environment },
        afterBundling: handler.afterBundling,
      });
      this.functions.push(fn);
      const integration = new HttpLambdaIntegration(`${handler.name}Integration`, fn);
      for (const route of handler.routes) {
        const [method, path] = route.split(' ');
        if (!method || !path) throw new Error(`route "${route}" of ${handler.name} must be "METHOD /path"`);
        this.api.addRoutes({
          path,
          methods: [method.toUpperCase() as apigwv2.HttpMethod],
          integration,
        });
      }
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authentication is done by the handlers themselves (mail account credentials, app passwords, session cookies, JMAP bearer tokens) against the directory in Aurora; an API Gateway authorizer would duplicate it.',
    });
    new CfnOutput(this, 'Url', { value: apiStage.url ?? this.api.apiEndpoint });
  }
}
