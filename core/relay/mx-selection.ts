import { ResolverError, type Resolver } from '../ports/resolver';
import { RelayFailure } from './reply-classification';

/** One host to try for a destination domain, in order. */
export interface DeliveryTarget {
  /** The MX host name (TLS server name, MTA-STS pattern match). */
  host: string;
  /** IP address to connect to. */
  address: string;
  port: number;
  priority: number;
}

/**
 * RFC 5321 §5.1: MX records by preference (random order among equal preferences), each host's
 * addresses; no MX → the domain itself (implicit MX); a null MX (RFC 7505) → permanent failure.
 */
export async function selectTargets(
  domain: string,
  resolver: Resolver,
  options: { defaultPort?: number; maxHosts?: number; random?: () => number } = {},
): Promise<DeliveryTarget[]> {
  const port = options.defaultPort ?? 25;
  const random = options.random ?? Math.random;
  let records;
  try {
    records = await resolver.mx(domain);
  } catch (error) {
    throw dnsFailure(error, domain);
  }
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    if (records.length === 1) {
      throw new RelayFailure(true, 556, '5.1.10', `${domain} does not accept mail (null MX)`);
    }
    records = records.filter((r) => r.exchange !== '' && r.exchange !== '.');
  }
  if (records.length === 0) records = [{ exchange: domain, priority: 0 }];
  const shuffled = records
    .map((r) => ({ r, key: random() }))
    .sort((a, b) => a.r.priority - b.r.priority || a.key - b.key)
    .map(({ r }) => r)
    .slice(0, options.maxHosts ?? 10);
  const targets: DeliveryTarget[] = [];
  let lastError: unknown = null;
  for (const record of shuffled) {
    try {
      for (const address of await resolver.addresses(record.exchange)) {
        targets.push({
          host: record.exchange.replace(/\.$/, ''),
          address,
          port: record.port ?? port,
          priority: record.priority,
        });
      }
    } catch (error) {
      lastError = error;
    }
  }
  if (targets.length === 0) {
    if (lastError instanceof ResolverError && lastError.kind !== 'temporary' && shuffled.length === 1) {
      throw new RelayFailure(
        true,
        550,
        '5.1.2',
        `no address for ${shuffled[0].exchange}: ${lastError.message}`,
      );
    }
    throw new RelayFailure(false, 451, '4.4.3', `no reachable host for ${domain}`);
  }
  return targets;
}

function dnsFailure(error: unknown, domain: string): RelayFailure {
  if (error instanceof ResolverError && error.kind === 'not-found') {
    return new RelayFailure(true, 550, '5.1.2', `domain ${domain} does not exist`);
  }
  return new RelayFailure(
    false,
    451,
    '4.4.3',
    `DNS lookup for ${domain} failed: ${(error as Error).message}`,
  );
}
