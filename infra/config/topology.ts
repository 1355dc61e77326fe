/**
 * Cluster topologies (docs/deploy.md, "Topologies") as data: which Fargate services a topology runs,
 * which node roles each service carries, which public ports it serves and which signals scale it.
 *
 * Every service runs the same container image; only NIMBUS_ROLES differs.
 */

export type Topology = 'basic' | 'standard' | 'advanced';

export type NodeRole = 'mx' | 'submission' | 'imap' | 'pop3' | 'managesieve' | 'delivery' | 'mta' | 'web';

/** A public TCP port on the Network Load Balancer and the container port it forwards to. */
export interface MailPort {
  /** Short name used in construct ids, target-group names and metrics. */
  readonly id: 'smtp' | 'submissions' | 'submission' | 'imap' | 'imaps' | 'pop3' | 'pop3s' | 'managesieve';
  readonly listenerPort: number;
  readonly containerPort: number;
  /** The environment variable that tells the node which container port to bind. */
  readonly envVar: string;
  /** The node role that serves this port. */
  readonly role: NodeRole;
  /**
   * NLB TCP idle timeout. The default 350 s silently drops idle flows, which breaks IMAP IDLE:
   * RFC 2177 clients re-issue IDLE every 29 minutes, so IMAP gets 1800 s. SMTP and POP3 get 600 s,
   * the longest timeout their RFCs let a peer wait (RFC 5321 4.5.3.2: 10 min after DATA; RFC 1939:
   * autologout timer of at least 10 minutes).
   */
  readonly idleTimeoutSeconds: number;
}

export const MAIL_PORTS: readonly MailPort[] = [
  {
    id: 'smtp',
    listenerPort: 25,
    containerPort: 2525,
    envVar: 'NIMBUS_SMTP_PORT',
    role: 'mx',
    idleTimeoutSeconds: 600,
  },
  {
    id: 'submissions',
    listenerPort: 465,
    containerPort: 2465,
    envVar: 'NIMBUS_SUBMISSIONS_PORT',
    role: 'submission',
    idleTimeoutSeconds: 600,
  },
  {
    id: 'submission',
    listenerPort: 587,
    containerPort: 2587,
    envVar: 'NIMBUS_SUBMISSION_PORT',
    role: 'submission',
    idleTimeoutSeconds: 600,
  },
  {
    id: 'imap',
    listenerPort: 143,
    containerPort: 2143,
    envVar: 'NIMBUS_IMAP_PORT',
    role: 'imap',
    idleTimeoutSeconds: 1800,
  },
  {
    id: 'imaps',
    listenerPort: 993,
    containerPort: 2993,
    envVar: 'NIMBUS_IMAPS_PORT',
    role: 'imap',
    idleTimeoutSeconds: 1800,
  },
  {
    id: 'pop3',
    listenerPort: 110,
    containerPort: 2110,
    envVar: 'NIMBUS_POP3_PORT',
    role: 'pop3',
    idleTimeoutSeconds: 600,
  },
  {
    id: 'pop3s',
    listenerPort: 995,
    containerPort: 2995,
    envVar: 'NIMBUS_POP3S_PORT',
    role: 'pop3',
    idleTimeoutSeconds: 600,
  },
  // ManageSieve (RFC 5804): STARTTLS only; 1800 s, the node's own idle timeout for a logged-in session.
  {
    id: 'managesieve',
    listenerPort: 4190,
    containerPort: 4190,
    envVar: 'NIMBUS_MANAGESIEVE_PORT',
    role: 'managesieve',
    idleTimeoutSeconds: 1800,
  },
];

/** The node's HTTP port: /healthz (load-balancer health checks), /metrics, and the `web` role. */
export const HTTP_PORT = 8080;

/** The spool queues (NIMBUS_SPOOL=sqs://PREFIX → PREFIX-inbound, PREFIX-outbound, each with a -dlq). */
export type SpoolQueueName = 'inbound' | 'outbound';

/** Which role consumes each spool queue (used for queue-driven scaling and recovery). */
export const QUEUE_CONSUMER: Record<SpoolQueueName, NodeRole> = { inbound: 'delivery', outbound: 'mta' };

export interface ServiceSpec {
  readonly roles: readonly NodeRole[];
}

/**
 * Service names per topology, with their roles. In `advanced`, `delivery` runs in the `mx` pool:
 * it is the consumer of what `mx` accepts, it scales with inbound volume, and keeping it away from
 * `mta` means a backlog of remote deliveries (slow or greylisting peers) never delays local ones.
 * `mta` runs alone: it is the only service that needs outbound port 25 and a reputable egress IP.
 */
export const TOPOLOGIES = {
  basic: {
    node: { roles: ['mx', 'submission', 'imap', 'pop3', 'managesieve', 'delivery', 'mta', 'web'] },
  },
  standard: {
    mail: { roles: ['mx', 'submission', 'imap', 'pop3', 'managesieve', 'delivery', 'mta'] },
    web: { roles: ['web'] },
  },
  advanced: {
    mx: { roles: ['mx', 'delivery'] },
    mta: { roles: ['mta'] },
    access: { roles: ['submission', 'imap', 'pop3', 'managesieve'] },
    web: { roles: ['web'] },
  },
} as const satisfies Record<Topology, Record<string, ServiceSpec>>;

export type ServiceName<T extends Topology> = keyof (typeof TOPOLOGIES)[T] & string;
export type AnyServiceName = ServiceName<'basic'> | ServiceName<'standard'> | ServiceName<'advanced'>;

export function servicesOf(topology: Topology): { name: AnyServiceName; roles: readonly NodeRole[] }[] {
  return Object.entries(TOPOLOGIES[topology]).map(([name, spec]) => ({
    name: name as AnyServiceName,
    roles: (spec as ServiceSpec).roles,
  }));
}

/** The mail ports a service exposes through the NLB (those whose role it runs). */
export function mailPortsOf(roles: readonly NodeRole[]): MailPort[] {
  return MAIL_PORTS.filter((port) => roles.includes(port.role));
}

/** The service that runs a role in a topology. Every role runs in exactly one service. */
export function serviceForRole(topology: Topology, role: NodeRole): AnyServiceName {
  const found = servicesOf(topology).find((service) => service.roles.includes(role));
  if (!found) throw new Error(`topology ${topology} has no service running role ${role}`);
  return found.name;
}
