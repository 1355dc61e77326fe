/**
 * The Lambda functions as shipped: `cdk synth` of the dev stage, then every function of the
 * templates is booted from its asset in cdk.out (copied outside the repository, so only what the
 * bundle carries can load) with the template's environment, its intrinsics resolved to local
 * stand-ins: moto for S3, SQS, Secrets Manager, SNS, DynamoDB, ECS (AWS_ENDPOINT_URL), and for the
 * RDS Data API — which exists only inside AWS — a stand-in endpoint over the real PostgreSQL
 * (test/helpers/data-api-server.ts). A real mail node on the same PostgreSQL, bucket and queues
 * delivers the mail. Invoked with API Gateway v2, authorizer and EventBridge events.
 *
 * The template routes no ALB traffic to Lambdas (the ALB's only target is the `web` Fargate
 * role), so no function gets an ALB event here; a test below fails if that changes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { addAdmin } from '../../core/webadmin/admins';
import { REQUIRED_LAMBDA_ENV, LAMBDA_ENV } from '../../functions/lambda/environment';
import {
  CloudAssembly,
  resolvedEnvironment,
  resolveIntrinsics,
  synthesizeStage,
  type CfnResource,
  type LambdaFunctionInfo,
  type ResourceReference,
} from '../helpers/cloud-assembly';
import { startDataApiServer, type DataApiServer } from '../helpers/data-api-server';
import { eventually } from '../helpers/eventually';
import { startTestNode, type TestNode } from '../helpers/in-process-node';
import {
  alarmStateChangeEvent,
  authorizerEvent,
  httpApiEvent,
  type HttpRequest,
} from '../helpers/lambda-events';
import { LambdaProcess, lambdaRuntimeEnv } from '../helpers/lambda-runner';
import { startMoto, type Moto } from '../helpers/moto';

const REPO_ROOT = path.resolve(__dirname, '../..');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const ADMIN_PG = process.env.NIMBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** CDK's own provider functions (custom resources): not ours to boot, but named so a new one is noticed. */
const CDK_PROVIDED = [
  /\/Custom::VpcRestrictDefaultSGCustomResourceProvider\//,
  /\/Custom::S3AutoDeleteObjectsCustomResourceProvider\//,
  /\/AWSCDK\.TriggerCustomResourceProviderCustomResourceProvider\//,
];
/** Our functions, by the last construct id of their path, and what each boot test covers. */
const OURS = [
  'MigrateFunction',
  'Webmail',
  'Jmap',
  'Admin',
  'Autoconfig',
  'AdminAuthorizer',
  'RecoveryFunction',
];

const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const nameOf = (fn: LambdaFunctionInfo) => fn.cdkPath.split('/').slice(-2, -1)[0];

let outDir: string;
let assembly: CloudAssembly;
let moto: Moto;
let dataApi: DataApiServer;
let databaseName: string;
let databaseUrl: string;
let node: TestNode | undefined;
const started = new Map<string, LambdaProcess>();
const motoArns = new Map<string, string>();

async function motoCall(target: string, service: string, body: unknown): Promise<Record<string, unknown>> {
  // KMS has no client in this repository: its JSON protocol by hand (moto does not check signatures).
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${target}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** What each template reference stands for here: the moto resources created in beforeAll. */
function resolveResource({ stack, logicalId, resource, attribute }: ResourceReference): string | undefined {
  const props = resource.Properties ?? {};
  const value = (v: unknown) =>
    String(resolveIntrinsics(v, { assembly, stack, accountId: ACCOUNT, resolveResource }));
  const named = (key: string) => (props[key] !== undefined ? value(props[key]) : logicalId);
  switch (resource.Type) {
    case 'AWS::RDS::DBCluster':
      return attribute ? undefined : named('DBClusterIdentifier');
    case 'AWS::SecretsManager::SecretTargetAttachment':
      return attribute ? undefined : value(props.SecretId);
    case 'AWS::SecretsManager::Secret':
      return attribute ? undefined : motoArns.get(named('Name'));
    case 'AWS::KMS::Key':
      return motoArns.get(`kms:${stack.name}/${logicalId}`);
    case 'AWS::SQS::Queue': {
      const name = named('QueueName');
      if (!attribute) return `${moto.endpoint}/${ACCOUNT}/${name}`;
      return { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, QueueName: name }[attribute];
    }
    case 'AWS::S3::Bucket':
      return attribute === 'Arn'
        ? `arn:aws:s3:::${named('BucketName')}`
        : attribute
          ? undefined
          : named('BucketName');
    case 'AWS::SNS::Topic':
      return attribute ? undefined : `arn:aws:sns:${REGION}:${ACCOUNT}:${named('TopicName')}`;
    case 'AWS::DynamoDB::Table':
      return attribute ? undefined : named('TableName');
    case 'AWS::ECS::Cluster':
      return attribute ? undefined : named('ClusterName');
    case 'AWS::ECS::Service':
      return attribute === 'Name'
        ? named('ServiceName')
        : `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${logicalId}`;
    case 'AWS::ElasticLoadBalancingV2::TargetGroup':
      return attribute
        ? `targetgroup/${logicalId}/0123456789abcdef`
        : `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${logicalId}/0123456789abcdef`;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return `app/${logicalId}/0123456789abcdef`;
    default:
      return undefined;
  }
}

function functionNamed(name: string): LambdaFunctionInfo {
  const fn = assembly.lambdaFunctions().find((f) => nameOf(f) === name);
  if (!fn) throw new Error(`no function ${name} in the templates`);
  return fn;
}

async function boot(name: string): Promise<LambdaProcess> {
  const known = started.get(name);
  if (known) return known;
  const fn = functionNamed(name);
  if (!fn.assetDir) throw new Error(`${name} has no asset directory in ${outDir}`);
  const environment = {
    ...lambdaRuntimeEnv({
      functionName: fn.logicalId,
      region: REGION,
      memorySize: Number(fn.resource.Properties?.MemorySize ?? 128),
      credentials,
    }),
    ...resolvedEnvironment(fn, { assembly, accountId: ACCOUNT, resolveResource }),
    // Test-only: every AWS client to moto, the Data API to its stand-in.
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_RDS_DATA: dataApi.endpoint,
  };
  const lambda = await LambdaProcess.start(fn.assetDir, fn.handler, environment);
  started.set(name, lambda);
  return lambda;
}

interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

async function http(
  name: string,
  request: HttpRequest,
): Promise<HttpResult & { json(): Record<string, unknown> }> {
  const lambda = await boot(name);
  const result = await lambda.invoke<HttpResult>(httpApiEvent(request));
  // A 500 is the function's own failure: its log says why.
  if (result.statusCode >= 500)
    console.error(`${name} answered ${result.statusCode}:`, result.body, lambda.output);
  return { ...result, json: () => JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

async function createMotoResources(): Promise<void> {
  const config = { region: REGION, endpoint: moto.endpoint, credentials, forcePathStyle: true };
  const sqs = new SQSClient(config);
  for (const { stack, resource } of assembly.resources('AWS::SQS::Queue')) {
    const name = resolveIntrinsics(resource.Properties?.QueueName, {
      assembly,
      stack,
      accountId: ACCOUNT,
      resolveResource,
    });
    await sqs.send(new CreateQueueCommand({ QueueName: String(name) }));
  }
  const data = assembly.stack('Nimbus-dev-Data');
  const s3 = new S3Client(config);
  for (const { stack, resource } of assembly.resources('AWS::S3::Bucket')) {
    if (!resource.Properties?.BucketName) continue;
    const bucket = String(
      resolveIntrinsics(resource.Properties.BucketName, {
        assembly,
        stack,
        accountId: ACCOUNT,
        resolveResource,
      }),
    );
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
  }
  for (const { stack, logicalId } of assembly.resources('AWS::KMS::Key')) {
    const key = (await motoCall('TrentService.CreateKey', 'kms', { Description: logicalId })) as {
      KeyMetadata: { Arn: string };
    };
    motoArns.set(`kms:${stack.name}/${logicalId}`, key.KeyMetadata.Arn);
  }
  // The database secret holds the credentials the Data API logs in with (the local server's user).
  const secrets = new SecretsManagerClient(config);
  for (const { stack, resource } of assembly.resources('AWS::SecretsManager::Secret')) {
    const name = String(
      resolveIntrinsics(resource.Properties?.Name, { assembly, stack, accountId: ACCOUNT, resolveResource }),
    );
    const isDatabase = stack === data && /database/.test(name);
    const out = await secrets.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify(
          isDatabase ? { username: 'postgres', password: '' } : { value: randomBytes(8).toString('hex') },
        ),
      }),
    );
    motoArns.set(name, out.ARN!);
  }
  const sns = new SNSClient(config);
  for (const { stack, resource } of assembly.resources('AWS::SNS::Topic')) {
    const name = String(
      resolveIntrinsics(resource.Properties?.TopicName, {
        assembly,
        stack,
        accountId: ACCOUNT,
        resolveResource,
      }),
    );
    await sns.send(new CreateTopicCommand({ Name: name }));
  }
  const ecs = new ECSClient(config);
  for (const { stack, logicalId, resource } of assembly.resources('AWS::ECS::Cluster')) {
    await ecs.send(
      new CreateClusterCommand({ clusterName: String(resolveResource({ stack, logicalId, resource })) }),
    );
  }
  const dynamo = new DynamoDBClient(config);
  for (const { stack, logicalId, resource } of assembly.resources('AWS::DynamoDB::Table')) {
    const p = resource.Properties as Record<string, never>;
    await dynamo.send(
      new CreateTableCommand({
        TableName: String(resolveResource({ stack, logicalId, resource })),
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
}

beforeAll(async () => {
  // NIMBUS_BOOT_CDK_OUT: an assembly synthesized beforehand (`npx cdk synth -c stage=dev -o DIR`).
  outDir = process.env.NIMBUS_BOOT_CDK_OUT ?? mkdtempSync(path.join(os.tmpdir(), 'nimbus-cdk-out-'));
  if (!process.env.NIMBUS_BOOT_CDK_OUT) synthesizeStage(REPO_ROOT, 'dev', outDir);
  assembly = new CloudAssembly(outDir);
  moto = await startMoto({ setEnv: false });
  await createMotoResources();

  databaseName = `nimbus_boot_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_PG });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const base = new URL(ADMIN_PG);
  base.pathname = `/${databaseName}`;
  databaseUrl = base.toString();
  base.username = '';
  base.password = '';
  const secrets = new SecretsManagerClient({ region: REGION, endpoint: moto.endpoint, credentials });
  const cluster = functionNamed('MigrateFunction');
  const env = resolvedEnvironment(cluster, { assembly, accountId: ACCOUNT, resolveResource });
  dataApi = await startDataApiServer({
    databaseUrl: base.toString(),
    resourceArn: env[LAMBDA_ENV.databaseClusterArn],
    resolveSecret: async (arn) =>
      JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!) as {
        username: string;
        password: string;
      },
  });
}, 600_000);

afterAll(async () => {
  for (const lambda of started.values()) await lambda.stop();
  await node?.destroy();
  await dataApi?.close();
  await moto?.stop();
  if (databaseName) {
    const admin = new pg.Client({ connectionString: ADMIN_PG });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  }
  if (outDir && !process.env.NIMBUS_BOOT_CDK_OUT) rmSync(outDir, { recursive: true, force: true });
}, 120_000);

test('every Lambda function of the templates is ours (booted below) or a CDK provider', () => {
  const functions = assembly.lambdaFunctions();
  const unknown = functions.filter(
    (f) => !OURS.includes(nameOf(f)) && !CDK_PROVIDED.some((p) => p.test(f.cdkPath)),
  );
  expect(unknown.map((f) => f.cdkPath)).toEqual([]);
  expect(
    functions
      .map(nameOf)
      .filter((n) => OURS.includes(n))
      .sort(),
  ).toEqual([...OURS].sort());
  for (const name of OURS) expect(functionNamed(name).assetDir).not.toBeNull();
});

test('no ALB routes to a Lambda function (so no ALB event is tested)', () => {
  const lambdaTargets = assembly
    .resources('AWS::ElasticLoadBalancingV2::TargetGroup')
    .filter(({ resource }) => (resource.Properties as { TargetType?: string }).TargetType === 'lambda');
  expect(lambdaTargets).toEqual([]);
});

test('the web handlers get every variable the composition root requires', () => {
  for (const name of ['Webmail', 'Jmap', 'Admin', 'Autoconfig', 'AdminAuthorizer']) {
    const env = resolvedEnvironment(functionNamed(name), { assembly, accountId: ACCOUNT, resolveResource });
    for (const key of REQUIRED_LAMBDA_ENV)
      expect([name, key, env[LAMBDA_ENV[key]]]).toEqual([name, key, expect.any(String)]);
  }
});

test('the Data API stand-in refuses another cluster or an unknown secret, as the service does', async () => {
  const client = new RDSDataClient({ region: REGION, endpoint: dataApi.endpoint, credentials });
  const env = resolvedEnvironment(functionNamed('Jmap'), { assembly, accountId: ACCOUNT, resolveResource });
  const run = (resourceArn: string, secretArn: string) =>
    client.send(new ExecuteStatementCommand({ resourceArn, secretArn, database: 'nimbus', sql: 'SELECT 1' }));
  await expect(
    run(env[LAMBDA_ENV.databaseClusterArn], env[LAMBDA_ENV.databaseSecretArn]),
  ).resolves.toMatchObject({
    records: [[{ longValue: 1 }]],
  });
  await expect(
    run(`arn:aws:rds:${REGION}:${ACCOUNT}:cluster:other`, env[LAMBDA_ENV.databaseSecretArn]),
  ).rejects.toThrow(/not found/);
  await expect(
    run(env[LAMBDA_ENV.databaseClusterArn], `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:absent`),
  ).rejects.toThrow(/cannot read secret/);
});

test('Migrate: the shipped migration function creates the schema over the Data API, then finds nothing to do', async () => {
  const migrate = await boot('MigrateFunction');
  const first = await migrate.invoke<{ applied: number[] }>({ RequestType: 'Create' });
  expect(first.applied.length).toBeGreaterThan(0);
  expect(dataApi.calls).toContain('Execute');
  const again = await migrate.invoke<{ applied: number[] }>({ RequestType: 'Update' });
  expect(again.applied).toEqual([]);
}, 180_000);

describe('with the schema and a delivering node', () => {
  const adminName = 'ops';
  const adminPassword = `pw-${randomBytes(6).toString('hex')}`;
  const alice = 'alice@boot.test';
  const bob = 'bob@boot.test';
  const userPassword = `user-${randomBytes(6).toString('hex')}`;
  const adminRoute = (
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ): HttpRequest => ({
    method,
    url,
    routeKey: 'ANY /api/admin/{proxy+}',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    authorizer: { admin: adminName },
  });

  beforeAll(async () => {
    const db = new PgDatabase({ connectionString: databaseUrl });
    await addAdmin(db, adminName, adminPassword);
    await db.close();
    // The node finds S3 and SQS through the SDK's standard settings, as in its task definition.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ENDPOINT_URL_SQS: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    // The same settings the node's task definition gets (containers read them from NIMBUS_*).
    const web = resolvedEnvironment(functionNamed('Jmap'), { assembly, accountId: ACCOUNT, resolveResource });
    node = await startTestNode({
      databaseUrl,
      roles: 'mx,delivery',
      blobs: web[LAMBDA_ENV.blobs],
      blobsKmsKeyId: web[LAMBDA_ENV.blobsKmsKeyId],
      spool: web[LAMBDA_ENV.spool],
      spoolBlobs: web[LAMBDA_ENV.spoolBlobs],
      'aws.sqsWaitSeconds': 1,
    });
  }, 120_000);

  test('AdminAuthorizer: lets admin Basic credentials and admin tokens through, nothing else', async () => {
    const authorizer = await boot('AdminAuthorizer');
    const ask = (authorization?: string) =>
      authorizer.invoke<{ isAuthorized: boolean; context?: { admin: string } }>(
        authorizerEvent(adminRoute('GET', '/api/admin/domains', authorization ? { authorization } : {})),
      );
    await expect(ask(basic(adminName, adminPassword))).resolves.toEqual({
      isAuthorized: true,
      context: { admin: adminName },
    });
    await expect(ask(basic(adminName, 'wrong'))).resolves.toMatchObject({ isAuthorized: false });
    await expect(ask(basic(alice, userPassword))).resolves.toMatchObject({ isAuthorized: false });
    await expect(ask('Bearer not-a-token')).resolves.toMatchObject({ isAuthorized: false });
    await expect(ask()).resolves.toMatchObject({ isAuthorized: false });
    // A token from the login call passes too.
    const login = await http(
      'Admin',
      adminRoute(
        'POST',
        '/api/admin/login',
        { authorization: basic(adminName, adminPassword) },
        { name: adminName, password: adminPassword },
      ),
    );
    expect(login.statusCode).toBe(201);
    await expect(ask(`Bearer ${String(login.json().token)}`)).resolves.toMatchObject({ isAuthorized: true });
  }, 120_000);

  test('Admin: an authenticated admin creates a domain and two mailboxes', async () => {
    const auth = { authorization: basic(adminName, adminPassword) };
    expect(
      (await http('Admin', adminRoute('POST', '/api/admin/domains', auth, { name: 'boot.test' }))).statusCode,
    ).toBe(201);
    for (const address of [alice, bob]) {
      const created = await http(
        'Admin',
        adminRoute('POST', '/api/admin/users', auth, { address, password: userPassword }),
      );
      expect([address, created.statusCode]).toEqual([address, 201]);
    }
    const users = await http('Admin', adminRoute('GET', '/api/admin/users?domain=boot.test', auth));
    expect(users.statusCode).toBe(200);
    expect(users.body).toContain(alice);
    // The handler checks credentials itself as well (behind the authorizer).
    expect((await http('Admin', adminRoute('GET', '/api/admin/domains'))).statusCode).toBe(401);
  }, 120_000);

  test('Jmap: the session, and Email/query over mail the node delivered', async () => {
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: node!.ports.smtp, secure: false, ignoreTLS: true })
      .sendMail({
        from: 'sender@remote.example',
        to: alice,
        subject: 'Delivered by a node',
        text: 'hello from SMTP',
      });
    const auth = { authorization: basic(alice, userPassword) };
    const session = await http('Jmap', {
      method: 'GET',
      url: '/.well-known/jmap',
      routeKey: 'GET /.well-known/jmap',
      headers: auth,
    });
    expect(session.statusCode).toBe(200);
    const accountId = (session.json().primaryAccounts as Record<string, string>)['urn:ietf:params:jmap:mail'];
    expect(accountId).toEqual(expect.any(String));
    expect(String(session.json().apiUrl)).toMatch(/\/jmap\/api$/);
    const subjects = await eventually(
      async () => {
        const res = await http(
          'Jmap',
          jmapCall(auth, [
            ['Email/query', { accountId, sort: [{ property: 'receivedAt', isAscending: false }] }, 'q'],
            [
              'Email/get',
              {
                accountId,
                '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
                properties: ['subject'],
              },
              'g',
            ],
          ]),
        );
        expect(res.statusCode).toBe(200);
        const list =
          (res.json().methodResponses as [string, { list?: { subject: string }[] }][])[1][1].list ?? [];
        return list.length > 0 ? list.map((e) => e.subject) : null;
      },
      60_000,
      500,
    );
    expect(subjects).toEqual(['Delivered by a node']);
  }, 120_000);

  test('Jmap: mail submitted through the function goes out on the SQS spool and the node delivers it', async () => {
    const auth = { authorization: basic(alice, userPassword) };
    const session = await http('Jmap', {
      method: 'GET',
      url: '/.well-known/jmap',
      routeKey: 'GET /.well-known/jmap',
      headers: auth,
    });
    const accountId = (session.json().primaryAccounts as Record<string, string>)['urn:ietf:params:jmap:mail'];
    const one = async (method: string, args: Record<string, unknown>) => {
      const res = await http('Jmap', jmapCall(auth, [[method, { accountId, ...args }, 'x']]));
      return (res.json().methodResponses as [string, Record<string, unknown>][])[0][1];
    };
    const identity = ((await one('Identity/get', {})).list as { id: string }[])[0];
    const drafts = ((await one('Mailbox/get', {})).list as { id: string; role: string }[]).find(
      (m) => m.role === 'drafts',
    )!;
    const res = await http(
      'Jmap',
      jmapCall(auth, [
        [
          'Email/set',
          {
            accountId,
            create: {
              m: {
                mailboxIds: { [drafts.id]: true },
                from: [{ email: alice }],
                to: [{ email: bob }],
                subject: 'Submitted through Lambda',
                bodyValues: { b: { value: 'via the SQS spool' } },
                textBody: [{ partId: 'b', type: 'text/plain' }],
              },
            },
          },
          'a',
        ],
        [
          'EmailSubmission/set',
          { accountId, create: { s: { identityId: identity.id, emailId: '#m' } } },
          'b',
        ],
      ]),
    );
    const responses = res.json().methodResponses as [string, Record<string, { s?: unknown }>][];
    // A method error carries the function's reason (e.g. a statement the Data API refuses).
    if (responses.some((r) => r[0] === 'error'))
      console.error(JSON.stringify(responses), (await boot('Jmap')).output);
    expect(responses.map((r) => r[0])).toEqual(['Email/set', 'EmailSubmission/set']);
    expect(responses[1][1].created?.s).toBeDefined();
    // Bob's copy can only come from the node's delivery worker, reading the inbound SQS queue.
    const bobAuth = { authorization: basic(bob, userPassword) };
    const bobSession = await http('Jmap', {
      method: 'GET',
      url: '/.well-known/jmap',
      routeKey: 'GET /.well-known/jmap',
      headers: bobAuth,
    });
    const bobAccount = (bobSession.json().primaryAccounts as Record<string, string>)[
      'urn:ietf:params:jmap:mail'
    ];
    const subjects = await eventually(
      async () => {
        const r = await http(
          'Jmap',
          jmapCall(bobAuth, [
            ['Email/query', { accountId: bobAccount }, 'q'],
            [
              'Email/get',
              {
                accountId: bobAccount,
                '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
                properties: ['subject'],
              },
              'g',
            ],
          ]),
        );
        const list =
          (r.json().methodResponses as [string, { list?: { subject: string }[] }][])[1][1].list ?? [];
        return list.length > 0 ? list.map((e) => e.subject) : null;
      },
      60_000,
      500,
    );
    expect(subjects).toEqual(['Submitted through Lambda']);
  }, 120_000);

  test('Webmail: the app is served from the bundle, and a user logs in to a session', async () => {
    const page = await http('Webmail', {
      method: 'GET',
      url: '/webmail/',
      routeKey: 'ANY /webmail/{proxy+}',
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('assets/app.js');
    const login = await http('Webmail', {
      method: 'POST',
      url: '/webmail/api/login',
      routeKey: 'ANY /webmail/{proxy+}',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: alice, password: userPassword }),
    });
    expect(login.statusCode).toBe(200);
    expect(login.json().username).toBe(alice);
    const cookie = (login.cookies ?? []).map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toMatch(/nimbus_session=/);
    const session = await http('Webmail', {
      method: 'GET',
      url: '/webmail/api/session',
      routeKey: 'ANY /webmail/{proxy+}',
      headers: { cookie },
    });
    expect(session.statusCode).toBe(200);
    expect(session.json().username).toBe(alice);
    const wrong = await http('Webmail', {
      method: 'POST',
      url: '/webmail/api/login',
      routeKey: 'ANY /webmail/{proxy+}',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: alice, password: 'wrong' }),
    });
    expect(wrong.statusCode).toBe(401);
  }, 120_000);

  test('Autoconfig: the Thunderbird XML names the stage mail host from the template', async () => {
    const res = await http('Autoconfig', {
      method: 'GET',
      url: `/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(alice)}`,
      routeKey: 'GET /.well-known/autoconfig/mail/config-v1.1.xml',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/xml/);
    const mailHost = resolvedEnvironment(functionNamed('Autoconfig'), {
      assembly,
      accountId: ACCOUNT,
      resolveResource,
    })[LAMBDA_ENV.mailHost];
    expect(res.body).toContain(`<hostname>${mailHost}</hostname>`);
    expect(res.body).toContain(alice);
  }, 120_000);
});

test('Recovery: an alarm state change for the inbound dead-letter queue is answered with a decision', async () => {
  const monitoring = assembly.stack('Nimbus-dev-Monitoring');
  const alarm = Object.values(monitoring.template.Resources).find(
    (r: CfnResource) =>
      r.Type === 'AWS::CloudWatch::Alarm' && /inbound-dead-letters$/.test(String(r.Properties?.AlarmName)),
  )!;
  const resolve = (v: unknown) =>
    String(resolveIntrinsics(v, { assembly, stack: monitoring, accountId: ACCOUNT, resolveResource }));
  // A message in the dead-letter queue, as the alarm says.
  const sqs = new SQSClient({ region: REGION, endpoint: moto.endpoint, credentials });
  const dlqUrl = `${moto.endpoint}/${ACCOUNT}/nimbus-dev-inbound-dlq`;
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: '{"poison":true}' }));
  const recovery = await boot('RecoveryFunction');
  const report = await recovery.invoke<{
    signals: { kind: string; state: string; queue?: string }[];
    performed: { key: string; description: string }[];
    failed: { key: string; error: string }[];
  }>(
    alarmStateChangeEvent({
      alarmName: resolve(alarm.Properties!.AlarmName),
      description: resolve(alarm.Properties!.AlarmDescription),
      state: 'ALARM',
      reason:
        'Threshold Crossed: 1 datapoint [1.0 (03/12/26 08:00:00)] was greater than or equal to the threshold (1.0).',
    }),
  );
  expect(report.signals).toEqual([
    expect.objectContaining({ kind: 'dlq-not-empty', state: 'firing', queue: 'inbound' }),
  ]);
  // A decision about that queue (redrive, or a page when nothing explains the dead letters),
  // carried out on moto or reported as failed — never an unanswered invocation.
  const actions = [...report.performed.map((a) => a.key), ...report.failed.map((a) => a.key)];
  expect(actions.join(' ')).toMatch(/inbound/);
  const [table] = assembly.resources('AWS::DynamoDB::Table');
  const history = await new DynamoDBClient({ region: REGION, endpoint: moto.endpoint, credentials }).send(
    new ScanCommand({ TableName: String(resolveResource(table)) }),
  );
  expect(history.Items?.length ?? 0).toBeGreaterThan(0);
  const depth = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  expect(depth.Attributes).toBeDefined();
}, 120_000);

function jmapCall(headers: Record<string, string>, methodCalls: unknown[]): HttpRequest {
  return {
    method: 'POST',
    url: '/jmap/api',
    routeKey: 'POST /jmap/api',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail', 'urn:ietf:params:jmap:submission'],
      methodCalls,
    }),
  };
}
