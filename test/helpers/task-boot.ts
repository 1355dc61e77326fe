/**
 * Boots the shipped container bundle as ECS runs a task of the synthesized template: the
 * container's environment and secrets (read from moto's Secrets Manager as the ECS agent does),
 * its command behind the image's ENTRYPOINT and WORKDIR, its user, and a read-only root file
 * system with only the task's volumes writable — a private mount namespace (`unshare --mount`)
 * where / is remounted read-only and each writable mount point is a fresh tmpfs.
 *
 * Stand-ins, and why: S3, SQS and Secrets Manager are moto; Aurora/RDS Proxy is the local
 * PostgreSQL (a fresh database per stage; `sslmode` dropped because the local server has no TLS);
 * the VPC CIDR is 127.0.0.0/8 (the load balancer's connections come from loopback); each task
 * gets its own loopback address for NIMBUS_HOST (awsvpc gives each task its own IP, so the
 * template's fixed ports do not collide between tasks on one machine).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { runMigrations } from '../../core/db/migrate';
import type { StageConfig } from '../../infra/config/stages';
import { MAIL_PORTS } from '../../infra/config/topology';
import { synthStage } from '../infra/synth';
import type { Moto } from './moto';
import {
  containersOf,
  injectSecrets,
  resolveEnvironment,
  resolveValue,
  type CfnResource,
  type CfnTemplate,
  type ContainerSpec,
  type ResolveContext,
  type TargetGroupSpec,
  type Templates,
} from './task-definition';

const ROOT = path.resolve(__dirname, '../..');
const ACCOUNT = '123456789012';
export const POSTGRES_ADMIN_URL =
  process.env.NIMBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface StageTemplates {
  stage: StageConfig;
  templates: Templates;
  /** Stack names: network, data, services, monitoring. */
  stacks: Record<'network' | 'data' | 'services' | 'monitoring', string>;
}

/** Synthesizes a stage in process (no CLI, no AWS account) and returns its CloudFormation templates. */
export function synthStageTemplates(stage: StageConfig): StageTemplates {
  const synthesized = synthStage(stage);
  const kinds = ['network', 'data', 'services', 'monitoring'] as const;
  const stacks = Object.fromEntries(
    kinds.map((k) => [k, synthesized.stacks[k].stackName]),
  ) as StageTemplates['stacks'];
  const templates = Object.fromEntries(
    kinds.map((k) => [synthesized.stacks[k].stackName, synthesized[k].toJSON() as CfnTemplate]),
  );
  return { stage, templates, stacks };
}

// --- The image --------------------------------------------------------------------------------

export interface ImageConfig {
  env: Record<string, string>;
  workdir: string;
  entrypoint: string[];
  user: string;
}

/** ENV, WORKDIR, ENTRYPOINT and USER of the Dockerfile's last stage (the runtime image). */
export function imageConfig(): ImageConfig {
  const text = readFileSync(path.join(ROOT, 'containers/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM /m);
  const runtime = stages[stages.length - 1];
  const config: ImageConfig = { env: {}, workdir: '/', entrypoint: [], user: 'root' };
  for (const line of runtime.split('\n')) {
    const [instruction, ...rest] = line.trim().split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'ENV') {
      for (const match of args.matchAll(/(\w+)=(\S*)/g)) config.env[match[1]] = match[2];
    } else if (instruction === 'WORKDIR') config.workdir = args;
    else if (instruction === 'ENTRYPOINT') config.entrypoint = JSON.parse(args) as string[];
    else if (instruction === 'USER') config.user = args;
  }
  return config;
}

/**
 * Builds the bundle as the image's build stage does (`containers/build.ts dist`) into a directory
 * outside /tmp (the task's /tmp is a fresh tmpfs), with node_modules holding only PGlite — the
 * image's production install. Returns the app directory (the image's WORKDIR).
 */
export function buildAppDir(): { appDir: string; remove: () => void } {
  const base = mkdtempSync('/var/tmp/nimbus-task-');
  const appDir = path.join(base, 'app');
  const built = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), 'containers/build.ts', path.join(appDir, 'dist')],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`bundle build failed: ${built.stderr}`);
  const modules = path.join(appDir, 'node_modules', '@electric-sql');
  mkdirSync(modules, { recursive: true });
  // A copy, not a link: the checkout may itself live under /tmp (CI clones anywhere), which the
  // task's tmpfs hides, and the image has its own node_modules, never the repository's.
  cpSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite'), path.join(modules, 'pglite'), {
    recursive: true,
    dereference: true,
  });
  copyFileSync(path.join(ROOT, 'package.json'), path.join(appDir, 'package.json'));
  spawnSync('chmod', ['-R', 'a+rX', base]);
  return { appDir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

// --- The stage's AWS resources on moto, its database on PostgreSQL ------------------------------

export interface StageWorldOptions {
  /** Secret values by logical-id prefix (e.g. the TLS certificate JSON); others are generated. */
  secretValues?: Record<string, string>;
}

/**
 * The stage's data plane, shaped like the template: the bucket, the queues and the secrets it
 * declares, created on moto under the template's names; one fresh PostgreSQL database.
 */
export class StageWorld {
  readonly ctx: ResolveContext;
  readonly secretArns = new Map<string, string>();
  readonly secrets: SecretsManagerClient;
  database = '';
  /** The master user of the database secret (what the deploy-time migration trigger logs in as). */
  masterUser = 'postgres';

  private constructor(
    readonly assembly: StageTemplates,
    readonly moto: Moto,
  ) {
    const region = assembly.stage.region;
    const aws = {
      region,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    this.secrets = new SecretsManagerClient(aws);
    this.ctx = {
      templates: assembly.templates,
      pseudo: { accountId: ACCOUNT, region },
      resources: (ref) => this.standIn(ref.stack, ref.logicalId, ref.resource, ref.attribute),
    };
  }

  static async create(
    assembly: StageTemplates,
    moto: Moto,
    options: StageWorldOptions = {},
  ): Promise<StageWorld> {
    const world = new StageWorld(assembly, moto);
    await world.createResources(options);
    await world.createDatabase();
    return world;
  }

  get region(): string {
    return this.assembly.stage.region;
  }

  /** The environment every task gets from its task role and the VPC endpoints: here, moto. */
  awsEnvironment(): Record<string, string> {
    return {
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: this.moto.endpoint,
      AWS_ENDPOINT_URL_S3: this.moto.endpoint,
      AWS_ENDPOINT_URL_SQS: this.moto.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  private standIn(
    stack: string,
    id: string,
    resource: CfnResource,
    attribute: string | null,
  ): string | undefined {
    const props = resource.Properties ?? {};
    const name = (key: string) => (props[key] === undefined ? id : resolveValue(props[key], stack, this.ctx));
    switch (resource.Type) {
      case 'AWS::SecretsManager::Secret':
        return attribute === null ? this.secretArns.get(`${stack}/${id}`) : undefined;
      case 'AWS::SecretsManager::SecretTargetAttachment':
        return attribute === null ? resolveValue(props.SecretId, stack, this.ctx) : undefined;
      case 'AWS::RDS::DBProxy':
        return attribute === 'Endpoint' ? '127.0.0.1' : attribute === null ? name('DBProxyName') : undefined;
      case 'AWS::RDS::DBCluster':
        return attribute === 'Endpoint.Address'
          ? '127.0.0.1'
          : attribute === null
            ? id.toLowerCase()
            : undefined;
      case 'AWS::EC2::VPC':
        return attribute === 'CidrBlock' ? '127.0.0.0/8' : attribute === null ? 'vpc-00000000' : undefined;
      case 'AWS::KMS::Key':
        return attribute === 'Arn'
          ? `arn:aws:kms:${this.region}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000001`
          : attribute === null
            ? '00000000-0000-0000-0000-000000000001'
            : undefined;
      case 'AWS::SQS::Queue': {
        const queue = name('QueueName');
        if (attribute === 'Arn') return `arn:aws:sqs:${this.region}:${ACCOUNT}:${queue}`;
        if (attribute === 'QueueName') return queue;
        return attribute === null ? `${this.moto.endpoint}/${ACCOUNT}/${queue}` : undefined;
      }
      case 'AWS::S3::Bucket':
        if (attribute === 'Arn') return `arn:aws:s3:::${name('BucketName')}`;
        return attribute === null ? name('BucketName') : undefined;
      default:
        return undefined;
    }
  }

  private async createResources(options: StageWorldOptions): Promise<void> {
    const aws = {
      region: this.region,
      endpoint: this.moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const s3 = new S3Client(aws);
    const sqs = new SQSClient(aws);
    for (const [stack, template] of Object.entries(this.assembly.templates)) {
      for (const [id, resource] of Object.entries(template.Resources)) {
        const props = resource.Properties ?? {};
        if (resource.Type === 'AWS::S3::Bucket' && props.BucketName !== undefined) {
          await s3.send(
            new CreateBucketCommand({
              Bucket: resolveValue(props.BucketName, stack, this.ctx),
              CreateBucketConfiguration: { LocationConstraint: this.region as 'eu-west-1' },
            }),
          );
        } else if (resource.Type === 'AWS::SQS::Queue' && props.QueueName !== undefined) {
          await sqs.send(
            new CreateQueueCommand({ QueueName: resolveValue(props.QueueName, stack, this.ctx) }),
          );
        } else if (resource.Type === 'AWS::SecretsManager::Secret') {
          const secretName =
            props.Name === undefined ? `${stack}-${id}` : resolveValue(props.Name, stack, this.ctx);
          const given = Object.entries(options.secretValues ?? {}).find(([prefix]) => id.startsWith(prefix));
          const value = given?.[1] ?? generated(props);
          const json = parseJson(value);
          if (typeof json?.username === 'string' && 'password' in json) this.masterUser = json.username;
          const created = await this.secrets.send(
            new CreateSecretCommand({ Name: secretName, SecretString: value }),
          );
          this.secretArns.set(`${stack}/${id}`, created.ARN!);
        }
      }
    }
    s3.destroy();
    sqs.destroy();
  }

  /**
   * The database as a deployment leaves it before any task starts: owned by the master user
   * (like Aurora's, it may create roles and databases but is no superuser), migrated by the
   * deploy-time trigger (functions/migrate runs the same core/db migrations over the Data API;
   * here over pg as the master user).
   */
  private async createDatabase(): Promise<void> {
    this.database = `nimbus_task_${randomBytes(5).toString('hex')}`;
    const master = this.masterUser;
    await withAdmin(async (client) => {
      await ensureRole(client, master, 'LOGIN CREATEROLE CREATEDB');
      await client.query(`CREATE DATABASE ${this.database} OWNER "${master}"`);
    });
    const db = new PgDatabase({ connectionString: this.masterDatabaseUrl() });
    try {
      await runMigrations(db);
    } finally {
      await db.close();
    }
  }

  /** The master user's URL of this world's database (for the test's own directory writes). */
  masterDatabaseUrl(): string {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.username = this.masterUser;
    url.password = '';
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  /** DATABASE_URL-like settings pointed at this world's database (host already 127.0.0.1 by the stand-ins). */
  async localDatabaseUrl(url: string): Promise<string> {
    const parsed = new URL(url);
    if (parsed.hostname !== '127.0.0.1')
      throw new Error(`database host ${parsed.hostname} is not the stand-in`);
    parsed.pathname = `/${this.database}`;
    parsed.searchParams.delete('sslmode');
    const user = decodeURIComponent(parsed.username);
    // The migrations create the application role; a user they do not create must exist already.
    if (user) await withAdmin((client) => ensureRole(client, user, 'LOGIN'));
    return parsed.toString();
  }

  async destroy(): Promise<void> {
    this.secrets.destroy();
    if (this.database)
      await withAdmin((client) =>
        client.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`),
      ).catch(() => undefined);
  }

  /** The containers of the stage's service stack. */
  containers(): ContainerSpec[] {
    return containersOf(this.assembly.templates[this.assembly.stacks.services]);
  }

  /** What ECS would start the container with: resolved environment plus injected secrets. */
  async taskEnvironment(container: ContainerSpec): Promise<Record<string, string>> {
    const stack = this.assembly.stacks.services;
    const env = resolveEnvironment(container, stack, this.ctx);
    const secrets = await injectSecrets(container, stack, this.ctx, this.secrets);
    for (const key of ['DATABASE_URL', 'NIMBUS_EVENTS_DATABASE_URL']) {
      if (env[key]) env[key] = await this.localDatabaseUrl(env[key]);
    }
    return { ...env, ...secrets };
  }
}

function generated(props: Record<string, unknown>): string {
  const spec = props.GenerateSecretString as
    { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number } | undefined;
  const random = randomBytes(24).toString('hex');
  if (spec?.SecretStringTemplate && spec.GenerateStringKey) {
    return JSON.stringify({ ...JSON.parse(spec.SecretStringTemplate), [spec.GenerateStringKey]: random });
  }
  return props.SecretString !== undefined ? String(props.SecretString) : random;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Creates a role if it is missing (roles are per server: other suites may have made it). */
async function ensureRole(client: pg.Client, role: string, options: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0)
    await client.query(`CREATE ROLE "${role}" ${options}`).catch((error: Error & { code?: string }) => {
      if (error.code !== '23505' && error.code !== '42710') throw error;
    });
  else if (options !== 'LOGIN') await client.query(`ALTER ROLE "${role}" ${options}`);
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

// --- The task ---------------------------------------------------------------------------------

export interface BootOptions {
  appDir: string;
  /** The task's own address (NIMBUS_HOST is set to it: one loopback address per task). */
  address: string;
  /** Settings the test adds on top of the template's (each one justified by the caller). */
  extraEnv?: Record<string, string>;
  /** Template variables to leave out (the negative test: NIMBUS_DATA unset). */
  omitEnv?: string[];
}

export class BootedTask {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly container: ContainerSpec,
    readonly env: Record<string, string>,
    readonly address: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lines of stdout that parse as JSON (EMF documents and JSON logs). */
  jsonLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Waits until the HTTP port answers /healthz with 200 (or the process exits). */
  async ready(timeoutMs = 90_000): Promise<void> {
    const port = Number(this.env.NIMBUS_HTTP_PORT);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running)
        throw new Error(`task exited (${this.child.exitCode}): ${this.stderr}\n${this.stdout}`);
      if (Date.now() > deadline) throw new Error(`task not healthy: ${this.stderr}\n${this.stdout}`);
      const status = await fetch(`http://${this.address}:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Starts one container of the template as its task would run. The command line is the image's
 * ENTRYPOINT plus the container's Command; the user is the container's User (else the image's).
 */
export async function bootTask(
  world: StageWorld,
  container: ContainerSpec,
  options: BootOptions,
): Promise<BootedTask> {
  const image = imageConfig();
  const taskEnv = await world.taskEnvironment(container);
  for (const name of options.omitEnv ?? []) delete taskEnv[name];
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    ...image.env,
    ...world.awsEnvironment(),
    ...taskEnv,
    NIMBUS_HOST: options.address,
    ...options.extraEnv,
  };
  const [uid, gid] = numericUser(container.user ?? image.user);
  const mounts = container.mountPoints
    .filter((mount) => !mount.ReadOnly)
    .map((mount) => {
      if (container.volumes[mount.SourceVolume] !== 'ephemeral')
        throw new Error(
          `volume ${mount.SourceVolume} is not task storage; the boot test cannot stand in for it`,
        );
      // Fargate task storage starts with the image's directory (here /tmp, mode 1777).
      return `mount -t tmpfs -o mode=1777,size=256m tmpfs ${shellQuote(mount.ContainerPath)}`;
    });
  const root = container.readonlyRootFilesystem ? ['mount -o remount,bind,ro /'] : [];
  const entrypoint = image.entrypoint.map((part, i) =>
    i === 0 && part === 'node' ? process.execPath : part,
  );
  const argv = [...entrypoint, ...container.command].map(shellQuote).join(' ');
  const script = [
    ...root,
    ...mounts,
    `exec setpriv --reuid=${uid} --regid=${gid} --clear-groups ${argv}`,
  ].join(' && ');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    cwd: options.appDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new BootedTask(child, container, env, options.address);
}

function numericUser(user: string): [number, number] {
  const match = /^(\d+)(?::(\d+))?$/.exec(user);
  // The image's named user `node` is uid/gid 1000 in the official Node images.
  if (!match) return user === 'node' ? [1000, 1000] : [0, 0];
  return [Number(match[1]), Number(match[2] ?? match[1])];
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface MailGroup extends TargetGroupSpec {
  id: (typeof MAIL_PORTS)[number]['id'];
}

/** The task's target groups for one protocol's listeners, named by the port they serve. */
export function mailGroups(task: BootedTask, protocol: 'smtp' | 'imap' | 'pop3'): MailGroup[] {
  const ids = {
    smtp: ['smtp', 'submission', 'submissions'],
    imap: ['imap', 'imaps'],
    pop3: ['pop3', 'pop3s'],
  }[protocol];
  return task.container.targetGroups.flatMap((group) => {
    const port = MAIL_PORTS.find((p) => Number(task.env[p.envVar]) === group.port);
    return port && ids.includes(port.id) ? [{ ...group, id: port.id }] : [];
  });
}
