/**
 * The Lambda functions as synthesized, checked fast (the boot suite, test/integration/
 * function-boot.test.ts, runs them): the web handlers' environment is exactly what the
 * composition root reads (functions/lambda/environment.ts), each bundle carries the AWS clients
 * its code calls (nothing left for the runtime to provide), the roles allow those calls, and the
 * admin routes are behind the authorizer with their own throttling.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STAGES } from '../../infra/config/stages';
import { WEB_HANDLERS } from '../../infra/config/web-handlers';
import { LAMBDA_ENV, REQUIRED_LAMBDA_ENV, readLambdaEnvironment } from '../../functions/lambda/environment';
import { CloudAssembly, type LambdaFunctionInfo } from '../helpers/cloud-assembly';
import { describeNagAndStateful } from './nag-assertions';
import { asArray, policyStatements, resourcesOf, synthStage, type Synthesized } from './synth';

let synthesized: Synthesized;
let assembly: CloudAssembly;
/** Functions by their description (an in-process synthesis writes no aws:cdk:path metadata). */
const DESCRIPTIONS: Record<string, RegExp> = {
  Webmail: /web handler Webmail$/,
  Jmap: /web handler Jmap$/,
  Admin: /web handler Admin$/,
  Autoconfig: /web handler Autoconfig$/,
  AdminAuthorizer: /admin API authorizer$/,
  MigrateFunction: /^Runs core\/db migrations/,
  RecoveryFunction: /^Turns alarm state changes into recovery actions/,
};
const fn = (name: string): LambdaFunctionInfo => {
  const found = assembly
    .lambdaFunctions()
    .filter((f) => DESCRIPTIONS[name].test(String(f.resource.Properties?.Description ?? '')));
  if (found.length !== 1) throw new Error(`${found.length} functions ${name}`);
  return found[0];
};
const WEB = ['Webmail', 'Jmap', 'Admin', 'Autoconfig'];

beforeAll(() => {
  synthesized = synthStage(STAGES.dev, WEB_HANDLERS);
  assembly = new CloudAssembly(synthesized.app.synth().directory);
}, 300_000);

// cdk-nag over the stage with every web handler, the authorizer and its grants included (the
// topology suites synthesize without web handlers).
describe('cdk-nag with the web handlers', () => describeNagAndStateful(STAGES.dev, () => synthesized));

test('web handlers and the authorizer get exactly the variables the composition root reads', () => {
  // The required ones, and the public web base (Autodiscover and JMAP URLs name the web host).
  const expected = [...REQUIRED_LAMBDA_ENV.map((key) => LAMBDA_ENV[key]), LAMBDA_ENV.webBase].sort();
  for (const name of [...WEB, 'AdminAuthorizer']) {
    const keys = Object.keys(fn(name).environment).filter((k) => k !== 'NODE_OPTIONS');
    expect([name, keys.sort()]).toEqual([name, expected]);
  }
  // With those variables (tokens stand-ins), the composition root's reader accepts them.
  const env = Object.fromEntries(
    Object.entries(fn('Jmap').environment).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`]),
  );
  env[LAMBDA_ENV.blobs] = 's3://nimbus-dev-blobs-123456789012-eu-west-1/blobs';
  env[LAMBDA_ENV.spoolBlobs] = 's3://nimbus-dev-blobs-123456789012-eu-west-1/spool';
  expect(readLambdaEnvironment(env)).toMatchObject({ spool: 'sqs://nimbus-dev', stage: 'dev' });
  expect(() => readLambdaEnvironment({})).toThrow(/DATABASE_CLUSTER_ARN.*NIMBUS_SPOOL/);
  // The migration function reads the same database names (functions/migrate/handler.ts).
  const migrate = Object.keys(fn('MigrateFunction').environment).filter((k) => k !== 'NODE_OPTIONS');
  expect(migrate.sort()).toEqual(
    [LAMBDA_ENV.databaseClusterArn, LAMBDA_ENV.databaseName, LAMBDA_ENV.databaseSecretArn].sort(),
  );
});

test('the spool and blob settings are the nodes’ own (same queues, bucket and claim-check area)', () => {
  const task = Object.values(resourcesOf(synthesized.services, 'AWS::ECS::TaskDefinition'))[0];
  const container = (
    task.Properties!.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[]
  )[0];
  const nodeEnv = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
  const lambdaEnv = fn('Jmap').environment;
  for (const key of ['spool', 'spoolBlobs', 'blobs', 'blobsKmsKeyId'] as const) {
    expect([key, JSON.stringify(lambdaEnv[LAMBDA_ENV[key]])]).toEqual([
      key,
      JSON.stringify(nodeEnv[LAMBDA_ENV[key]]),
    ]);
  }
});

/** Service names in the bundled SDK clients (their protocol targets), per client. */
const CLIENT_MARKERS: Record<string, string> = {
  'rds-data': 'RdsDataService',
  s3: 'AmazonS3',
  sqs: 'AmazonSQS',
  ecs: 'AmazonEC2ContainerServiceV20141113',
  dynamodb: 'DynamoDB_20120810',
  sns: 'AmazonSimpleNotificationService',
};
const NEEDS: Record<string, string[]> = {
  Webmail: ['rds-data', 's3', 'sqs'],
  Jmap: ['rds-data', 's3', 'sqs'],
  Admin: ['rds-data', 's3', 'sqs'],
  Autoconfig: ['rds-data', 's3', 'sqs'],
  AdminAuthorizer: ['rds-data'],
  MigrateFunction: ['rds-data'],
  RecoveryFunction: ['ecs', 'dynamodb', 'sns', 'sqs'],
};

test.each(Object.entries(NEEDS))('the %s bundle contains the AWS clients it calls', (name, clients) => {
  const info = fn(name);
  expect(info.assetDir).not.toBeNull();
  const bundle = readFileSync(path.join(info.assetDir!, 'index.js'), 'utf8');
  for (const client of clients)
    expect([client, bundle.includes(CLIENT_MARKERS[client])]).toEqual([client, true]);
  // Nothing from the SDK is left to the runtime (only the SDK's own optional CRT signer).
  const external = [...bundle.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]);
  expect(external.filter((m) => m !== '@aws-sdk/signature-v4-crt')).toEqual([]);
});

test('the roles allow what the code calls: Data API + secret, S3 objects, queue URLs and sends', () => {
  const roleOf = (name: string) =>
    JSON.stringify((fn(name).resource.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
  const policies = Object.values(resourcesOf(synthesized.services, 'AWS::IAM::Policy'));
  const actionsOf = (name: string) =>
    policies
      .filter((p) => JSON.stringify(p.Properties!.Roles).includes(JSON.parse(roleOf(name)) as string))
      .flatMap(
        (p) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      )
      .flatMap((s) => asArray(s.Action));
  for (const name of WEB) {
    expect(actionsOf(name)).toEqual(
      expect.arrayContaining([
        'rds-data:ExecuteStatement',
        'rds-data:BeginTransaction',
        'rds-data:CommitTransaction',
        'rds-data:RollbackTransaction',
        'secretsmanager:GetSecretValue',
        's3:GetObject',
        's3:PutObject',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'kms:GenerateDataKey',
      ]),
    );
  }
  expect(actionsOf('Admin')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
  const authorizer = actionsOf('AdminAuthorizer');
  expect(authorizer).toEqual(
    expect.arrayContaining(['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue']),
  );
  expect(authorizer.filter((a) => a.startsWith('s3:') || a.startsWith('sqs:'))).toEqual([]);
  expect(policyStatements(synthesized.services).length).toBeGreaterThan(0);
});

test('the admin routes have the Lambda authorizer and their own throttling; the others do not', () => {
  const routes = Object.values(resourcesOf(synthesized.services, 'AWS::ApiGatewayV2::Route'));
  const admin = routes.filter((r) => String(r.Properties!.RouteKey).includes('/api/admin/'));
  expect(admin.length).toBeGreaterThan(0);
  for (const route of admin) expect(route.Properties).toMatchObject({ AuthorizationType: 'CUSTOM' });
  for (const route of routes.filter((r) => !admin.includes(r)))
    expect(route.Properties!.AuthorizationType ?? 'NONE').toBe('NONE');
  const [authorizer] = Object.values(resourcesOf(synthesized.services, 'AWS::ApiGatewayV2::Authorizer'));
  expect(authorizer.Properties).toMatchObject({
    AuthorizerType: 'REQUEST',
    EnableSimpleResponses: true,
    IdentitySource: ['$request.header.Authorization'],
  });
  const [stage] = Object.values(resourcesOf(synthesized.services, 'AWS::ApiGatewayV2::Stage'));
  expect(stage.Properties!.RouteSettings).toEqual({
    'ANY /api/admin/{proxy+}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
  });
});
