import { promises as dns } from 'node:dns';
import net from 'node:net';
import { ResolverError, type MxRecord, type Resolver } from '../../ports/resolver';

const NOT_FOUND = new Set(['ENOTFOUND', 'NXDOMAIN']);
const NO_DATA = new Set(['ENODATA', 'NODATA']);

function translate(error: unknown, what: string): never {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (NOT_FOUND.has(code)) throw new ResolverError('not-found', `${what}: domain not found`);
  if (NO_DATA.has(code)) throw new ResolverError('no-data', `${what}: no records`);
  throw new ResolverError('temporary', `${what}: ${code || (error as Error).message}`);
}

/** RFC 2606 / 6761 special-use names: never sent to a real DNS server. */
const SPECIAL_USE = /(^|\.)(test|invalid|example|localhost)\.?$/i;

function refuseSpecial(name: string): void {
  if (SPECIAL_USE.test(name)) throw new ResolverError('not-found', `${name}: special-use name (RFC 6761)`);
}

/** The real DNS through node:dns/promises (the resolver configured on the host). */
export class SystemResolver implements Resolver {
  private readonly dns = new dns.Resolver({ timeout: 5000, tries: 2 });

  async mx(domain: string): Promise<MxRecord[]> {
    refuseSpecial(domain);
    try {
      return (await this.dns.resolveMx(domain)).map((r) => ({ exchange: r.exchange, priority: r.priority }));
    } catch (error) {
      if (NO_DATA.has((error as NodeJS.ErrnoException).code ?? '')) return [];
      return translate(error, `MX ${domain}`);
    }
  }

  async addresses(host: string): Promise<string[]> {
    if (net.isIP(host)) return [host];
    refuseSpecial(host);
    const [v4, v6] = await Promise.allSettled([this.dns.resolve4(host), this.dns.resolve6(host)]);
    const found = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (found.length > 0) return found;
    const failure = [v4, v6].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    return translate(
      failure?.reason ?? Object.assign(new Error('no address'), { code: 'ENODATA' }),
      `A ${host}`,
    );
  }

  async txt(name: string): Promise<string[]> {
    refuseSpecial(name);
    try {
      return (await this.dns.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (error) {
      if (NO_DATA.has((error as NodeJS.ErrnoException).code ?? '')) return [];
      return translate(error, `TXT ${name}`);
    }
  }
}
