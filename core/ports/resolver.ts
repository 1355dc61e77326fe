/**
 * The DNS port used by the relay role (MX selection, MTA-STS discovery) and DKIM. The system
 * adapter uses node:dns; tests and air-gapped setups use the override adapter, which maps domains
 * to fixed host:port targets so that no test ever contacts a real domain.
 */
export interface MxRecord {
  exchange: string;
  priority: number;
  /** Only set by the override adapter: the SMTP port to use instead of 25. */
  port?: number;
}

export type ResolverErrorKind = 'not-found' | 'no-data' | 'temporary';

export class ResolverError extends Error {
  constructor(
    readonly kind: ResolverErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ResolverError';
  }
}

export interface Resolver {
  /** MX records; `[]` when the domain exists but has none (implicit MX applies). */
  mx(domain: string): Promise<MxRecord[]>;
  /** A and AAAA addresses of a host (IPv4 first). */
  addresses(host: string): Promise<string[]>;
  /** TXT records, each as its joined character strings. */
  txt(name: string): Promise<string[]>;
}
