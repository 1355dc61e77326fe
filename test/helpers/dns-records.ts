import { isIP } from 'node:net';
import { ResolverError, type MxRecord, type Resolver } from '../../core/ports/resolver';

/**
 * A DNS override with arbitrary records (A/AAAA, TXT, MX) for security tests: SPF, DKIM keys,
 * DMARC policies and DNSBL listings. Every other name is NXDOMAIN: no test reaches the real DNS.
 */
export class TestDns implements Resolver {
  private readonly a = new Map<string, string[]>();
  private readonly texts = new Map<string, string[]>();
  private readonly mxs = new Map<string, MxRecord[]>();
  /** Every name asked for, in order (to prove which lookups happened). */
  readonly queries: string[] = [];

  address(name: string, ...addresses: string[]): this {
    this.a.set(name.toLowerCase(), addresses);
    return this;
  }

  async txt(name: string): Promise<string[]> {
    this.queries.push(`TXT ${name}`);
    const found = this.texts.get(name.toLowerCase());
    if (found) return found;
    throw new ResolverError('not-found', `TXT ${name}: NXDOMAIN`);
  }

  setTxt(name: string, ...records: string[]): this {
    this.texts.set(name.toLowerCase(), records);
    return this;
  }

  setMx(name: string, ...records: MxRecord[]): this {
    this.mxs.set(name.toLowerCase(), records);
    return this;
  }

  async mx(domain: string): Promise<MxRecord[]> {
    this.queries.push(`MX ${domain}`);
    const found = this.mxs.get(domain.toLowerCase());
    if (found) return found;
    throw new ResolverError('not-found', `MX ${domain}: NXDOMAIN`);
  }

  async addresses(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    this.queries.push(`A ${host}`);
    const found = this.a.get(host.toLowerCase());
    if (found) return found;
    throw new ResolverError('not-found', `A ${host}: NXDOMAIN`);
  }
}
