import type { Resolver } from '../../ports/resolver';
import { mailauthResolver } from '../../security/dns-adapter';

export type AuthorPolicy = 'none' | 'quarantine' | 'reject';

interface DmarcRecord {
  p?: string;
  sp?: string;
  isOrgRecord?: boolean;
}
type GetDmarcRecord = (domain: string, resolver: unknown) => Promise<DmarcRecord | false>;

// mailauth's own record lookup, the one its DMARC verification on our MX uses: `_dmarc.<domain>`,
// then the organizational domain through the public suffix list (RFC 7489 §6.6.3).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const getDmarcRecord = require('mailauth/lib/dmarc/get-dmarc-record') as GetDmarcRecord;

/**
 * The DMARC policy the author's domain publishes. A list re-sends the author's From with a
 * changed body and headers, so their DKIM breaks and our IP is not in their SPF: with p=reject
 * or p=quarantine the copies would be refused or junked unless From is changed (or wrapped).
 * A subdomain found through its organizational record takes sp= when present. DNS errors count
 * as 'none' (the post goes out unchanged rather than being stuck).
 */
export async function authorDmarcPolicy(resolver: Resolver, domain: string | null): Promise<AuthorPolicy> {
  if (!domain || !/^[a-z0-9.-]+$/i.test(domain)) return 'none';
  let record: DmarcRecord | false;
  try {
    record = await getDmarcRecord(domain.toLowerCase(), mailauthResolver(resolver));
  } catch {
    return 'none';
  }
  if (!record) return 'none';
  const policy = String((record.isOrgRecord && record.sp ? record.sp : record.p) ?? 'none')
    .toLowerCase()
    .trim();
  return policy === 'reject' || policy === 'quarantine' ? policy : 'none';
}
