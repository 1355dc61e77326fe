import type { SqlExecutor } from '../ports/sql';
import { NetworkList } from '../security/network-list';

/**
 * Relay domains (issue #19): domains we accept mail for without hosting them. 'hold' keeps the
 * mail (store and forward) until the domain asks for it with ETRN; 'backup' is a backup MX that
 * delivers to the primary and holds the mail only while the primary cannot be reached.
 */
export type RelayMode = 'hold' | 'backup';

export interface RelayDomain {
  name: string;
  mode: RelayMode;
  /** Deliver here instead of the domain's MX hosts. */
  deliverTo: { host: string; port: number } | null;
  /** Client networks (CIDR) allowed to send ETRN for the domain. */
  etrnNetworks: string[];
  /** Account that may send ETRN after AUTH. */
  etrnOwner: string | null;
  /** Accepted recipients (lower case); empty: every address of the domain. */
  recipients: string[];
}

export type RelayDomainInput = Omit<RelayDomain, 'name' | 'deliverTo'> & {
  name: string;
  deliverTo: string | { host: string; port: number } | null;
};

interface Row {
  name: string;
  mode: RelayMode;
  deliver_to: string | null;
  etrn_networks: string[] | string;
  etrn_owner: string | null;
  recipients: string[] | string;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

export class RelayDomainError extends Error {}

/** Parses HOST:PORT ([v6]:PORT too); throws RelayDomainError. */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : 0;
  if (!match || port < 1 || port > 65535) throw new RelayDomainError(`not HOST:PORT: ${value}`);
  return { host: (match[1] ?? match[2]).toLowerCase(), port };
}

export function validRelayDomainName(name: string): boolean {
  return DOMAIN.test(name.toLowerCase());
}

export class RelayDomainStore {
  private readonly cache = new Map<string, { value: RelayDomain | null; expires: number }>();

  constructor(
    private readonly db: SqlExecutor,
    /** How long RCPT and the relay may reuse a lookup (a change on another node applies after it). */
    private readonly cacheMs = 5000,
  ) {}

  /** Adds or replaces a relay domain. */
  async put(input: RelayDomainInput): Promise<RelayDomain> {
    const domain = normalise(input);
    await this.db.query(
      `INSERT INTO relay_domains (name, mode, deliver_to, etrn_networks, etrn_owner, recipients)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb)
       ON CONFLICT (name) DO UPDATE SET mode = EXCLUDED.mode, deliver_to = EXCLUDED.deliver_to,
         etrn_networks = EXCLUDED.etrn_networks, etrn_owner = EXCLUDED.etrn_owner,
         recipients = EXCLUDED.recipients, updated_at = now()`,
      [
        domain.name,
        domain.mode,
        domain.deliverTo ? formatHostPort(domain.deliverTo) : null,
        JSON.stringify(domain.etrnNetworks),
        domain.etrnOwner,
        JSON.stringify(domain.recipients),
      ],
    );
    this.cache.clear();
    return domain;
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.db.query(`DELETE FROM relay_domains WHERE name = $1`, [name.toLowerCase()]);
    this.cache.clear();
    return (result.rowCount ?? 0) > 0;
  }

  async list(): Promise<RelayDomain[]> {
    const result = await this.db.query<Row>(`SELECT * FROM relay_domains ORDER BY name`);
    return result.rows.map(fromRow);
  }

  async get(name: string): Promise<RelayDomain | null> {
    const result = await this.db.query<Row>(`SELECT * FROM relay_domains WHERE name = $1`, [
      name.toLowerCase(),
    ]);
    return result.rows[0] ? fromRow(result.rows[0]) : null;
  }

  /** get() through a short cache (RCPT, the relay). */
  async cachedGet(name: string): Promise<RelayDomain | null> {
    const key = name.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = await this.get(key);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { value, expires: Date.now() + this.cacheMs });
    return value;
  }

  /** RCPT for a non-local address: not a relay domain, accepted, or not in its recipient list. */
  async recipientVerdict(address: string): Promise<'not-relay' | 'accept' | 'unknown'> {
    const at = address.lastIndexOf('@');
    if (at < 0) return 'not-relay';
    const domain = await this.cachedGet(address.slice(at + 1));
    if (!domain) return 'not-relay';
    if (domain.recipients.length === 0) return 'accept';
    return domain.recipients.includes(address.toLowerCase()) ? 'accept' : 'unknown';
  }

  clearCache(): void {
    this.cache.clear();
  }
}

/** ETRN permission: the client is in the domain's networks or authenticated as its owner. */
export function mayStartQueue(
  domain: RelayDomain,
  client: { ip: string; authenticatedAs: string | null },
): boolean {
  if (domain.etrnOwner && client.authenticatedAs?.toLowerCase() === domain.etrnOwner) return true;
  return domain.etrnNetworks.length > 0 && new NetworkList(domain.etrnNetworks).contains(client.ip);
}

export function formatHostPort(target: { host: string; port: number }): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

function normalise(input: RelayDomainInput): RelayDomain {
  const name = input.name.trim().toLowerCase();
  if (!validRelayDomainName(name)) throw new RelayDomainError(`not a domain name: ${input.name}`);
  if (input.mode !== 'hold' && input.mode !== 'backup')
    throw new RelayDomainError(`mode must be hold or backup`);
  const deliverTo = typeof input.deliverTo === 'string' ? parseHostPort(input.deliverTo) : input.deliverTo;
  const etrnNetworks = input.etrnNetworks.map((n) => n.trim()).filter(Boolean);
  try {
    new NetworkList(etrnNetworks);
  } catch (error) {
    throw new RelayDomainError(`bad ETRN network: ${(error as Error).message}`);
  }
  const recipients = [...new Set(input.recipients.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  for (const r of recipients) {
    if (!r.endsWith(`@${name}`)) throw new RelayDomainError(`recipient ${r} is not in ${name}`);
  }
  const etrnOwner = input.etrnOwner?.trim().toLowerCase() || null;
  return { name, mode: input.mode, deliverTo, etrnNetworks, etrnOwner, recipients };
}

function fromRow(row: Row): RelayDomain {
  const list = (v: string[] | string): string[] => (typeof v === 'string' ? (JSON.parse(v) as string[]) : v);
  return {
    name: row.name,
    mode: row.mode,
    deliverTo: row.deliver_to ? parseHostPort(row.deliver_to) : null,
    etrnNetworks: list(row.etrn_networks),
    etrnOwner: row.etrn_owner,
    recipients: list(row.recipients),
  };
}
