import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_ROLES, parseRoles, type Role } from './roles';

const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(0);
const positive = z.coerce.number().int().min(1);
const cidrList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter(Boolean),
  );
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => (typeof value === 'boolean' ? value : ['true', '1', 'yes'].includes(value)));

/** Every setting of a node, with its default. Values come from defaults < file < env < flags. */
export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  roles: z
    .union([z.string(), z.array(z.string())])
    .transform((value, ctx): Role[] => {
      try {
        return parseRoles(Array.isArray(value) ? value.join(',') : value);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default(DEFAULT_ROLES.join(',')),
  host: z.string().min(1).default('127.0.0.1'),
  /** The name in the SMTP banner and Received: headers. */
  hostname: z.string().min(1).default(os.hostname()),
  nodeId: z.string().min(1).optional(),
  ports: z
    .object({
      smtp: port.default(2525),
      submission: port.default(2587),
      submissions: port.default(2465),
      imap: port.default(2143),
      imaps: port.default(2993),
      pop3: port.default(2110),
      pop3s: port.default(2995),
      http: port.default(8080),
    })
    .default({}),
  databaseUrl: z.string().url().optional(),
  tls: z.object({ certPath: z.string().optional(), keyPath: z.string().optional() }).default({}),
  smtp: z
    .object({
      /** Early-talker pause before the greeting; 0 disables it. Trusted networks never wait. */
      pregreetMs: ms.default(1000),
      trustedNetworks: cidrList.default(['127.0.0.0/8', '::1']),
      /** Networks allowed to relay without AUTH ("friendly hosts"). Empty: nobody. */
      relayNetworks: cidrList.default([]),
      rejectBareLineEndings: bool.default(true),
      allowInsecureAuth: bool.default(false),
      maxMessageSize: positive.default(25 * 1024 * 1024),
      maxRecipients: positive.default(100),
      maxCommandLineLength: positive.default(2048),
      maxDataLineLength: positive.default(65536),
      maxMessagesPerConnection: positive.default(1000),
      maxErrors: positive.default(10),
      idleTimeoutMs: positive.default(300_000),
      dataTimeoutMs: positive.default(600_000),
      maxConnections: positive.default(1000),
      maxConnectionsPerIp: positive.default(20),
    })
    .default({}),
  pop3: z
    .object({
      allowInsecureAuth: bool.default(false),
      idleTimeoutMs: positive.default(600_000),
      maxConnections: positive.default(1000),
      maxConnectionsPerIp: positive.default(20),
      maxCommandLineLength: positive.default(1024),
      maxErrors: positive.default(10),
    })
    .default({}),
  imap: z
    .object({
      allowInsecureAuth: bool.default(false),
      /** Must exceed 30 minutes: clients re-issue IDLE every 29 minutes (RFC 2177). */
      idleTimeoutMs: positive.default(31 * 60_000),
      unauthenticatedTimeoutMs: positive.default(60_000),
      maxConnections: positive.default(20_000),
      maxConnectionsPerIp: positive.default(50),
      maxCommandLineLength: positive.default(64 * 1024),
      maxLiteralSize: positive.default(50 * 1024 * 1024),
      maxPipelinedCommands: positive.default(100),
      maxErrors: positive.default(20),
    })
    .default({}),
  /** Mailbox-change events: in-process for one node, PostgreSQL LISTEN/NOTIFY across nodes. */
  events: z.enum(['local', 'postgres']).optional(),
  /** A direct (not pooled/proxied) connection for LISTEN; defaults to databaseUrl. */
  eventsDatabaseUrl: z.string().url().optional(),
  authThrottle: z
    .object({
      maxFailures: positive.default(5),
      windowSeconds: positive.default(300),
      lockoutSeconds: positive.default(300),
    })
    .default({}),
  delivery: z
    .object({
      concurrency: positive.default(8),
      leaseSeconds: positive.default(60),
      pollIntervalMs: positive.default(500),
    })
    .default({}),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      format: z.enum(['pretty', 'json']).optional(),
    })
    .default({}),
});

export type NodeConfig = z.infer<typeof configSchema>;
type RawConfig = Record<string, unknown>;

/** Environment variables and the setting each one sets. */
export const ENV_SETTINGS: Record<string, string> = {
  NIMBUS_DATA: 'dataDir',
  NIMBUS_ROLES: 'roles',
  NIMBUS_HOST: 'host',
  NIMBUS_HOSTNAME: 'hostname',
  NIMBUS_NODE_ID: 'nodeId',
  NIMBUS_SMTP_PORT: 'ports.smtp',
  NIMBUS_SUBMISSION_PORT: 'ports.submission',
  NIMBUS_SUBMISSIONS_PORT: 'ports.submissions',
  NIMBUS_IMAP_PORT: 'ports.imap',
  NIMBUS_IMAPS_PORT: 'ports.imaps',
  NIMBUS_POP3_PORT: 'ports.pop3',
  NIMBUS_POP3S_PORT: 'ports.pop3s',
  NIMBUS_HTTP_PORT: 'ports.http',
  DATABASE_URL: 'databaseUrl',
  NIMBUS_EVENTS: 'events',
  NIMBUS_EVENTS_DATABASE_URL: 'eventsDatabaseUrl',
  NIMBUS_IMAP_ALLOW_INSECURE_AUTH: 'imap.allowInsecureAuth',
  NIMBUS_TLS_CERT: 'tls.certPath',
  NIMBUS_TLS_KEY: 'tls.keyPath',
  NIMBUS_PREGREET_MS: 'smtp.pregreetMs',
  NIMBUS_TRUSTED_NETWORKS: 'smtp.trustedNetworks',
  NIMBUS_RELAY_NETWORKS: 'smtp.relayNetworks',
  NIMBUS_MAX_MESSAGE_SIZE: 'smtp.maxMessageSize',
  NIMBUS_ALLOW_INSECURE_AUTH: 'smtp.allowInsecureAuth',
  NIMBUS_POP3_ALLOW_INSECURE_AUTH: 'pop3.allowInsecureAuth',
  LOG_LEVEL: 'log.level',
  LOG_FORMAT: 'log.format',
};

function setPath(target: RawConfig, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as RawConfig;
  }
  node[keys[keys.length - 1]] = value;
}

function merge(base: RawConfig, extra: RawConfig): RawConfig {
  const out: RawConfig = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof out[key] === 'object') {
      out[key] = merge(out[key] as RawConfig, value as RawConfig);
    } else if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the configuration from a JSON config file, the environment and command-line settings
 * (dotted keys such as "ports.smtp"). Any bad value fails with a message naming the setting.
 */
export function loadConfig(options: {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}): NodeConfig {
  let raw: RawConfig = {};
  const env = options.env ?? process.env;
  const configFile = options.configFile ?? env.NIMBUS_CONFIG;
  if (configFile) {
    try {
      raw = JSON.parse(readFileSync(configFile, 'utf8')) as RawConfig;
    } catch (error) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(error as Error).message}`);
    }
  }
  const fromEnv: RawConfig = {};
  for (const [name, key] of Object.entries(ENV_SETTINGS)) {
    if (env[name] !== undefined && env[name] !== '') setPath(fromEnv, key, env[name]);
  }
  const fromFlags: RawConfig = {};
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(fromFlags, key, value);
  }
  const parsed = configSchema.safeParse(merge(merge(raw, fromEnv), fromFlags));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid setting ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) };
}
