import { isIPv4, isIPv6 } from '../util/ip';
import { ResolverError, type Resolver } from '../ports/resolver';

/** The resolver function mailauth calls: (name, rrtype) → what node:dns `resolve()` would return. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<never>;

/**
 * Adapts the Resolver port to mailauth's resolver function, so SPF, DKIM, DMARC and ARC lookups
 * go through the same DNS as everything else (an override in tests: no real DNS). Errors carry the
 * node:dns codes mailauth understands (ENOTFOUND, ENODATA, ETIMEOUT).
 */
export function mailauthResolver(resolver: Resolver): MailauthResolver {
  const lookup = async (name: string, rrtype: string): Promise<unknown> => {
    try {
      switch (rrtype.toUpperCase()) {
        case 'TXT':
          // Our port joins the character strings of a record; node:dns gives them as an array.
          return nonEmpty(
            (await resolver.txt(name)).map((record) => [record]),
            name,
            rrtype,
          );
        case 'MX':
          return nonEmpty(
            (await resolver.mx(name)).map((mx) => ({ exchange: mx.exchange, priority: mx.priority })),
            name,
            rrtype,
          );
        case 'A':
          return nonEmpty(
            (await resolver.addresses(name)).filter((a) => isIPv4(a)),
            name,
            rrtype,
          );
        case 'AAAA':
          return nonEmpty(
            (await resolver.addresses(name)).filter((a) => isIPv6(a)),
            name,
            rrtype,
          );
        default:
          // PTR and others are not in the port: "no data" makes SPF's ptr mechanism simply not match.
          throw dnsError('ENODATA', name, rrtype);
      }
    } catch (error) {
      if (error instanceof ResolverError) {
        const code =
          error.kind === 'not-found' ? 'ENOTFOUND' : error.kind === 'no-data' ? 'ENODATA' : 'ETIMEOUT';
        throw dnsError(code, name, rrtype);
      }
      throw error;
    }
  };
  return lookup as MailauthResolver;
}

function nonEmpty<T>(list: T[], name: string, rrtype: string): T[] {
  if (list.length === 0) throw dnsError('ENODATA', name, rrtype);
  return list;
}

function dnsError(code: string, name: string, rrtype: string): Error {
  return Object.assign(new Error(`query${rrtype} ${code} ${name}`), { code, hostname: name });
}
