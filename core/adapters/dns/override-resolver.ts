import net from 'node:net';
import { ResolverError, type MxRecord, type Resolver } from '../../ports/resolver';

export interface OverrideTarget {
  host: string;
  port: number;
}

/**
 * A resolver that answers from a fixed map (domain → SMTP targets, name → TXT records). With no
 * fallback every other name is "not found": tests and demos never reach the real DNS.
 */
export class OverrideResolver implements Resolver {
  private readonly routes = new Map<string, OverrideTarget[]>();
  private readonly texts = new Map<string, string[]>();

  constructor(
    routes: Record<string, OverrideTarget[] | string | string[]> = {},
    private readonly fallback?: Resolver,
  ) {
    for (const [domain, targets] of Object.entries(routes)) this.setRoute(domain, targets);
  }

  setRoute(domain: string, targets: OverrideTarget[] | string | string[]): void {
    this.routes.set(domain.toLowerCase(), parseTargets(targets));
  }

  setTxt(name: string, records: string[]): void {
    this.texts.set(name.toLowerCase(), records);
  }

  async mx(domain: string): Promise<MxRecord[]> {
    const targets = this.routes.get(domain.toLowerCase());
    if (targets) return targets.map((t, i) => ({ exchange: t.host, priority: i * 10, port: t.port }));
    if (this.fallback) return this.fallback.mx(domain);
    throw new ResolverError('not-found', `MX ${domain}: not in the resolver override`);
  }

  async addresses(host: string): Promise<string[]> {
    if (net.isIP(host)) return [host];
    if (host.toLowerCase() === 'localhost') return ['127.0.0.1'];
    if (this.fallback) return this.fallback.addresses(host);
    throw new ResolverError('not-found', `A ${host}: not in the resolver override`);
  }

  async txt(name: string): Promise<string[]> {
    const records = this.texts.get(name.toLowerCase());
    if (records) return records;
    if (this.fallback) return this.fallback.txt(name);
    throw new ResolverError('not-found', `TXT ${name}: not in the resolver override`);
  }
}

/** "127.0.0.1:2525", ["h1:25", "h2:2526"] or [{host, port}] → targets. */
export function parseTargets(value: OverrideTarget[] | string | string[]): OverrideTarget[] {
  const list = typeof value === 'string' ? value.split(',') : value;
  return list.map((item) => {
    if (typeof item !== 'string') return item;
    const text = item.trim();
    const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(text);
    if (!match) throw new Error(`invalid resolver override target "${text}" (use host:port)`);
    return { host: match[1], port: match[2] ? Number(match[2]) : 25 };
  });
}
