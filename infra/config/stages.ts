/**
 * Stage configuration: everything that differs between dev, staging and prod, typed.
 *
 * To add a stage, add an entry to `STAGES` (the compiler checks that its `services` match its
 * topology) and deploy it with `npx cdk deploy -c stage=<name> --all`. The only values read
 * from cdk.json are the availability-zone names per region (`nimbus:availabilityZones`), so that
 * synthesis never looks anything up in an account.
 */
import { TOPOLOGIES, type Topology } from './topology';

export interface ServiceSizing {
  /** Fargate task CPU units (256 = 0.25 vCPU). */
  readonly cpu: 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384;
  /** Fargate task memory (MiB); must be a valid combination with `cpu`. */
  readonly memoryMiB: number;
  /** Lower bound for autoscaling (also the initial desired count). */
  readonly minTasks: number;
  /** Upper bound for autoscaling and for recovery scale-outs. */
  readonly maxTasks: number;
}

type ServicesFor<T extends Topology> = { readonly [K in keyof (typeof TOPOLOGIES)[T]]: ServiceSizing };

interface TopologyChoice<T extends Topology> {
  readonly topology: T;
  /** Sizing for every service of the topology, and only those (checked by the compiler). */
  readonly services: ServicesFor<T>;
}

export type StageTopology = TopologyChoice<'basic'> | TopologyChoice<'standard'> | TopologyChoice<'advanced'>;

export interface DomainConfig {
  /** The first mail domain served (MX, SPF, DMARC records are published for it). */
  readonly mailDomain: string;
  /** FQDN of the cluster: SMTP banner/EHLO name, MX target, IMAP/POP3/submission host, PTR name. */
  readonly mailHostname: string;
  /** Web front door (ALB): webmail, ActiveSync, JMAP push, autodiscover. */
  readonly webHostname: string;
  /** HTTP API host for the Lambda web handlers (only used when handlers are deployed). */
  readonly apiHostname: string;
}

export interface CertificateConfig {
  /**
   * ACM certificate for the ALB (webHostname, autodiscover/autoconfig names), in the stage's
   * region. Issued out of band (see docs/deploy.md, "Certificates").
   */
  readonly webCertificateArn: string;
  /** ACM certificate for the HTTP API custom domain (apiHostname); omitted = default endpoint. */
  readonly apiCertificateArn?: string;
}

export interface DatabaseConfig {
  /**
   * Aurora Serverless v2 capacity range in ACUs. The minimum is at least 0.5: the RDS Proxy and the
   * nodes' LISTEN connections keep the cluster busy, so auto-pause to 0 ACU would never happen.
   */
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Readers in other AZs (0 for dev; >= 1 turns a writer failure into a ~30 s failover). */
  readonly readers: number;
  /** Automated backup retention (days, 1–35). */
  readonly backupRetentionDays: number;
}

export interface BackupConfig {
  /** AWS Backup daily recovery points kept for this many days. */
  readonly dailyRetentionDays: number;
  /** Monthly recovery points (moved to cold storage after 90 days) kept this long; 0 = none. */
  readonly monthlyRetentionDays: number;
}

export interface StageConfig {
  readonly name: string;
  /** Account to deploy to; omitted = the CLI's current credentials (CDK_DEFAULT_ACCOUNT). */
  readonly account?: string;
  readonly region: string;
  readonly cluster: StageTopology;
  /** VPC CIDR (a /16; distinct per stage so stages can be peered). */
  readonly vpcCidr: string;
  /** Availability zones used (2 or 3); names come from cdk.json context for the region. */
  readonly azCount: 2 | 3;
  /**
   * NAT gateways (the `mta` role's egress to remote MX on port 25 goes through them). One per AZ
   * keeps an AZ failure from cutting outbound mail; dev saves cost with one.
   */
  readonly natGateways: number;
  /**
   * Pre-allocated Elastic IPs for the NAT gateways (one per gateway). Outbound mail reputation
   * and reverse DNS belong to these addresses, so production should own them independently of the
   * VPC's lifecycle. Omitted = new EIPs created with the VPC.
   */
  readonly natEipAllocationIds?: readonly string[];
  readonly cpuArchitecture: 'arm64' | 'x86_64';
  readonly domain: DomainConfig;
  readonly certificates: CertificateConfig;
  readonly database: DatabaseConfig;
  /** Where message blobs live: S3 (default) or EFS (the POSIX alternative; backed up by AWS Backup). */
  readonly blobStore: 's3' | 'efs';
  readonly backup: BackupConfig;
  /** CloudWatch Logs retention for task, function and flow logs (days). */
  readonly logRetentionDays: 7 | 14 | 30 | 60 | 90 | 180 | 365 | 731;
  /** Deletion protection on the database and load balancers, RETAIN on stateful resources. */
  readonly deletionProtection: boolean;
  /**
   * PROXY protocol v2 on the NLB mail target groups. The node reads the header from the VPC
   * CIDR (NIMBUS_PROXY_PROTOCOL_TRUSTED). Client IP preservation is always on in addition.
   */
  readonly proxyProtocol: boolean;
  /** Days after which spool blobs (claim-check payloads of queued mail) expire in S3. */
  readonly spoolBlobExpiryDays: number;
  /** E-mail addresses subscribed to the alarm topic (confirmations are sent on deploy). */
  readonly alarmEmails: readonly string[];
  /**
   * All outbound mail through one relay (docs/outbound.md, "Smarthost on AWS"): AWS blocks port 25
   * from Fargate by default, so production either asks AWS to lift it or relays, e.g. through SES.
   */
  readonly smarthost?: SmarthostConfig;
  /** DNS records (docs/deploy.md, "DNS"): published in Route 53 when a hosted zone is named. */
  readonly dns?: DnsConfig;
  /**
   * ACME issuance and renewal of the mail TLS certificate (docs/deploy.md, "Certificates"): set it
   * to enable; needs `dns.hostedZone`. Omitted = the certificate is imported into its secret by hand.
   */
  readonly acme?: AcmeStageConfig;
}

export interface AcmeStageConfig {
  /** ACME directory (default Let's Encrypt production; its staging directory for trials). */
  readonly directoryUrl?: string;
  /** Contact address of the ACME account (the CA's expiry notices). */
  readonly email?: string;
  /** Names on the certificate besides `domain.mailHostname`; each must be in the hosted zone. */
  readonly extraNames?: readonly string[];
  /** Renew when fewer days remain (default 30, as Let's Encrypt advises for its 90-day certificates). */
  readonly renewBeforeDays?: number;
}

export interface SmarthostConfig {
  /** e.g. email-smtp.eu-west-1.amazonaws.com (SES SMTP endpoint). */
  readonly host: string;
  /** 587 with `starttls`, 465 with `implicit` (the task security group allows 25, 465, 587 out). */
  readonly port: number;
  /** `starttls`: STARTTLS required; `implicit`: TLS from the first byte. Plain text is not offered. */
  readonly tls: 'starttls' | 'implicit';
  /**
   * Secrets Manager secret (name or full ARN) holding JSON {"username": …, "password": …}; injected
   * into the mta container as NIMBUS_SMARTHOST_USER / NIMBUS_SMARTHOST_PASSWORD. Omitted = no AUTH.
   */
  readonly credentialsSecret?: string;
  /** SPF mechanism covering the smarthost's senders (default: include:amazonses.com for SES hosts). */
  readonly spf?: string;
}

export interface DnsConfig {
  /** Route 53 hosted zone of `domain.mailDomain` (imported by id, no lookup): records are created in it. */
  readonly hostedZone?: { readonly id: string; readonly name: string };
  /**
   * SPF mechanisms between "v=spf1" and "-all" (default: the smarthost's, else "mx"). Without a
   * smarthost, mail leaves from the NAT gateways' addresses: list them, e.g. ["ip4:203.0.113.7"].
   */
  readonly spf?: readonly string[];
  /** DMARC policy published (default quarantine). */
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  /** MTA-STS mode served and published (default testing; enforce once TLS reports are clean). */
  readonly mtaStsMode?: 'testing' | 'enforce';
  /** Where DMARC aggregate and TLS-RPT reports go (default postmaster@mailDomain). */
  readonly reportAddress?: string;
}

const EXAMPLE_ACCOUNT_CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate';

export const STAGES = {
  dev: {
    name: 'dev',
    region: 'eu-west-1',
    cluster: {
      topology: 'basic',
      services: { node: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 4 } },
    },
    vpcCidr: '10.40.0.0/16',
    azCount: 2,
    natGateways: 1,
    cpuArchitecture: 'arm64',
    domain: {
      mailDomain: 'dev.nimbus-mail.example',
      mailHostname: 'mail.dev.nimbus-mail.example',
      webHostname: 'webmail.dev.nimbus-mail.example',
      apiHostname: 'api.dev.nimbus-mail.example',
    },
    certificates: { webCertificateArn: `${EXAMPLE_ACCOUNT_CERT}/00000000-0000-0000-0000-00000000dev0` },
    database: { minCapacity: 0.5, maxCapacity: 2, readers: 0, backupRetentionDays: 1 },
    blobStore: 's3',
    backup: { dailyRetentionDays: 7, monthlyRetentionDays: 0 },
    logRetentionDays: 14,
    deletionProtection: false,
    proxyProtocol: true,
    spoolBlobExpiryDays: 14,
    alarmEmails: [],
  },
  staging: {
    name: 'staging',
    region: 'eu-west-1',
    cluster: {
      topology: 'standard',
      services: {
        mail: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 6 },
        web: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 4 },
      },
    },
    vpcCidr: '10.41.0.0/16',
    azCount: 2,
    natGateways: 2,
    cpuArchitecture: 'arm64',
    domain: {
      mailDomain: 'staging.nimbus-mail.example',
      mailHostname: 'mail.staging.nimbus-mail.example',
      webHostname: 'webmail.staging.nimbus-mail.example',
      apiHostname: 'api.staging.nimbus-mail.example',
    },
    certificates: { webCertificateArn: `${EXAMPLE_ACCOUNT_CERT}/00000000-0000-0000-0000-0000000stag0` },
    database: { minCapacity: 0.5, maxCapacity: 8, readers: 1, backupRetentionDays: 7 },
    blobStore: 's3',
    backup: { dailyRetentionDays: 14, monthlyRetentionDays: 0 },
    logRetentionDays: 30,
    deletionProtection: true,
    proxyProtocol: true,
    spoolBlobExpiryDays: 14,
    alarmEmails: [],
  },
  prod: {
    name: 'prod',
    region: 'eu-west-1',
    cluster: {
      topology: 'advanced',
      services: {
        mx: { cpu: 1024, memoryMiB: 2048, minTasks: 3, maxTasks: 12 },
        mta: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 8 },
        access: { cpu: 2048, memoryMiB: 4096, minTasks: 3, maxTasks: 24 },
        web: { cpu: 1024, memoryMiB: 2048, minTasks: 3, maxTasks: 12 },
      },
    },
    vpcCidr: '10.42.0.0/16',
    azCount: 3,
    natGateways: 3,
    cpuArchitecture: 'arm64',
    domain: {
      mailDomain: 'nimbus-mail.example',
      mailHostname: 'mail.nimbus-mail.example',
      webHostname: 'webmail.nimbus-mail.example',
      apiHostname: 'api.nimbus-mail.example',
    },
    certificates: { webCertificateArn: `${EXAMPLE_ACCOUNT_CERT}/00000000-0000-0000-0000-00000000prod` },
    database: { minCapacity: 1, maxCapacity: 32, readers: 1, backupRetentionDays: 35 },
    blobStore: 's3',
    backup: { dailyRetentionDays: 35, monthlyRetentionDays: 365 },
    logRetentionDays: 90,
    deletionProtection: true,
    proxyProtocol: true,
    spoolBlobExpiryDays: 14,
    alarmEmails: [],
  },
} as const satisfies Record<string, StageConfig>;

export type StageName = keyof typeof STAGES;

/** Fargate CPU → allowed memory (MiB) ranges. */
const FARGATE_MEMORY: Record<number, [number, number]> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
  8192: [16384, 61440],
  16384: [32768, 122880],
};

/** Checks what the type system cannot; throws with every problem listed. */
export function validateStage(stage: StageConfig, availabilityZones: readonly string[]): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{1,15}$/.test(stage.name))
    problems.push(`stage name "${stage.name}" must be [a-z][a-z0-9-]{1,15}`);
  if (availabilityZones.length < stage.azCount) {
    problems.push(
      `stage ${stage.name} needs ${stage.azCount} AZs in ${stage.region}; cdk.json context "nimbus:availabilityZones" lists ${availabilityZones.length}`,
    );
  }
  if (!/^10\.\d{1,3}\.0\.0\/16$/.test(stage.vpcCidr))
    problems.push(`vpcCidr ${stage.vpcCidr} must be a 10.x.0.0/16`);
  if (stage.natGateways < 1 || stage.natGateways > stage.azCount)
    problems.push('natGateways must be 1..azCount');
  if (stage.natEipAllocationIds && stage.natEipAllocationIds.length !== stage.natGateways) {
    problems.push('natEipAllocationIds must list one allocation per NAT gateway');
  }
  for (const [service, sizing] of Object.entries(stage.cluster.services) as [string, ServiceSizing][]) {
    const range = FARGATE_MEMORY[sizing.cpu];
    if (
      !range ||
      sizing.memoryMiB < range[0] ||
      sizing.memoryMiB > range[1] ||
      sizing.memoryMiB % 1024 !== 0
    ) {
      if (!(sizing.cpu === 256 && sizing.memoryMiB === 512)) {
        problems.push(
          `${service}: ${sizing.memoryMiB} MiB is not a Fargate size for ${sizing.cpu} CPU units`,
        );
      }
    }
    if (sizing.minTasks < 1 || sizing.maxTasks < sizing.minTasks)
      problems.push(`${service}: need 1 <= minTasks <= maxTasks`);
    if (stage.azCount > 1 && sizing.minTasks < 2)
      problems.push(`${service}: minTasks < 2 leaves a single point of failure`);
  }
  const db = stage.database;
  if (db.minCapacity < 0.5 || db.maxCapacity < Math.max(db.minCapacity, 1) || db.maxCapacity > 256) {
    problems.push('database capacity must satisfy 0.5 <= min <= max, 1 <= max <= 256');
  }
  if (db.backupRetentionDays < 1 || db.backupRetentionDays > 35)
    problems.push('backupRetentionDays must be 1..35');
  if (stage.backup.monthlyRetentionDays !== 0 && stage.backup.monthlyRetentionDays < 180) {
    problems.push(
      'monthly backups move to cold storage after 90 days and must then be kept >= 90 more (>= 180 total)',
    );
  }
  if (stage.smarthost) {
    const { host, port, credentialsSecret } = stage.smarthost;
    if (!/^[a-z0-9.-]+$/i.test(host)) problems.push(`smarthost host "${host}" is not a host name`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('smarthost port must be 1..65535');
    if (credentialsSecret?.startsWith('arn:') && !/^arn:aws[a-z-]*:secretsmanager:/.test(credentialsSecret))
      problems.push('smarthost credentialsSecret must be a secret name or a Secrets Manager ARN');
  }
  const zone = stage.dns?.hostedZone;
  if (zone) {
    const name = zone.name.replace(/\.$/, '').toLowerCase();
    const inZone = (host: string) => host === name || host.endsWith(`.${name}`);
    if (!inZone(stage.domain.mailDomain.toLowerCase()))
      problems.push(`hosted zone ${zone.name} does not contain mailDomain ${stage.domain.mailDomain}`);
    if (!/^Z[A-Z0-9]{1,31}$/.test(zone.id)) problems.push(`hosted zone id "${zone.id}" is not a Route 53 id`);
  }
  if (stage.acme) {
    const zoneName = zone?.name.replace(/\.$/, '').toLowerCase();
    if (!zoneName) problems.push('acme needs dns.hostedZone (DNS-01 challenges are written there)');
    for (const name of [stage.domain.mailHostname, ...(stage.acme.extraNames ?? [])]) {
      const host = name.toLowerCase();
      if (zoneName && host !== zoneName && !host.endsWith(`.${zoneName}`))
        problems.push(`acme name ${name} is not in hosted zone ${zone!.name}`);
    }
    const days = stage.acme.renewBeforeDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 60))
      problems.push('acme.renewBeforeDays must be 1..60');
    if (stage.acme.directoryUrl && !/^https:\/\//.test(stage.acme.directoryUrl))
      problems.push('acme.directoryUrl must be an https URL');
  }
  if (problems.length > 0)
    throw new Error(`invalid stage config ${stage.name}:\n  - ${problems.join('\n  - ')}`);
}

export function stageByName(name: string | undefined): StageConfig {
  const known = Object.keys(STAGES);
  if (!name) throw new Error(`choose a stage: npx cdk synth -c stage=<${known.join('|')}>`);
  if (!(name in STAGES))
    throw new Error(`unknown stage "${name}"; known stages: ${known.join(', ')} (infra/config/stages.ts)`);
  return STAGES[name as StageName];
}
