import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
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
  /** `admin`: every route of this handler is behind the admin Lambda authorizer. */
  readonly authorizer?: 'admin';
  /** Per-route throttling (requests/s, burst) below the stage's limit. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** The admin authorizer's handler (functions/lambda/admin-authorizer.ts). */
export const ADMIN_AUTHORIZER_ENTRY = 'functions/lambda/admin-authorizer.ts';
/** How long API Gateway keeps an authorizer answer per Authorization header (a revoked token's grace). */
export const ADMIN_AUTHORIZER_CACHE = Duration.seconds(60);

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
  /** The web handler functions (grants: Data API, secret, S3, SQS, key). */
  readonly functions: NodeFunction[] = [];
  /** The same functions by handler name (`Admin`, `Jmap` …). */
  readonly functionsByName = new Map<string, NodeFunction>();
  /** The admin authorizer, when a handler asks for it (grants: Data API and secret only). */
  readonly adminAuthorizerFunction?: NodeFunction;

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

    let adminAuthorizer: HttpLambdaAuthorizer | undefined;
    if (props.handlers.some((handler) => handler.authorizer === 'admin')) {
      this.adminAuthorizerFunction = new NodeFunction(this, 'AdminAuthorizer', {
        stage,
        repoRoot: props.repoRoot,
        entry: ADMIN_AUTHORIZER_ENTRY,
        description: `Nimbus ${stage.name} admin API authorizer`,
        memorySize: 256,
        timeout: Duration.seconds(10),
        environment: { ...props.environment },
      });
      adminAuthorizer = new HttpLambdaAuthorizer('AdminAuthorizer', this.adminAuthorizerFunction, {
        authorizerName: 'admin',
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: ['$request.header.Authorization'],
        resultsCacheTtl: ADMIN_AUTHORIZER_CACHE,
      });
    }
    // CloudFormation's RouteSettings is a map by route key, passed through as JSON: its keys are
    // written as CloudFormation spells them (ThrottlingRateLimit …), not as CDK properties.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const routes: apigwv2.HttpRoute[] = [];

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
      this.functionsByName.set(handler.name, fn);
      const integration = new HttpLambdaIntegration(`${handler.name}Integration`, fn);
      for (const route of handler.routes) {
        const [method, path] = route.split(' ');
        if (!method || !path) throw new Error(`route "${route}" of ${handler.name} must be "METHOD /path"`);
        routes.push(
          ...this.api.addRoutes({
            path,
            methods: [method.toUpperCase() as apigwv2.HttpMethod],
            integration,
            authorizer: handler.authorizer === 'admin' ? adminAuthorizer : undefined,
          }),
        );
        if (handler.throttle) {
          routeSettings[`${method.toUpperCase()} ${path}`] = {
            ThrottlingRateLimit: handler.throttle.rateLimit,
            ThrottlingBurstLimit: handler.throttle.burstLimit,
          };
        }
      }
    }
    if (Object.keys(routeSettings).length > 0) {
      const cfnStage = apiStage.node.defaultChild as apigwv2.CfnStage;
      cfnStage.addPropertyOverride('RouteSettings', routeSettings);
      // Route settings name route keys: the stage must come after its routes.
      for (const route of routes) cfnStage.node.addDependency(route);
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The admin routes have a Lambda authorizer (admin bearer token or Basic credentials). The mail-user routes authenticate in the handlers themselves (account credentials, app passwords, session cookies, JMAP bearer tokens) against the directory in Aurora; an authorizer there would duplicate it.',
    });
    new CfnOutput(this, 'Url', { value: apiStage.url ?? this.api.apiEndpoint });
  }
}
