import { authenticate } from 'mailauth';
import type { Resolver } from '../ports/resolver';
import { mailauthResolver } from './dns-adapter';

export interface AuthenticationVerdict {
  /** Header lines to prepend (Received-SPF, Authentication-Results), each ending with CRLF. */
  headers: string;
  spf: string;
  dkim: string[];
  dmarc: string;
  arc: string;
  /** The sender domain's DMARC policy when DMARC failed ('none' when it passed or had no record). */
  dmarcPolicy: 'none' | 'quarantine' | 'reject';
  /** The RFC5322.From domain DMARC evaluated. */
  fromDomain: string | null;
}

/**
 * SPF, DKIM, DMARC and ARC for one inbound message (mailauth), with every DNS lookup through the
 * Resolver port. BIMI is off (it fetches logos over HTTPS).
 */
export async function authenticateMessage(
  message: Buffer,
  input: { ip: string; helo: string | null; sender: string; hostname: string; resolver: Resolver },
  random: () => number = Math.random,
): Promise<AuthenticationVerdict> {
  const result = await authenticate(message, {
    ip: input.ip,
    helo: input.helo ?? undefined,
    sender: input.sender,
    mta: input.hostname,
    resolver: mailauthResolver(input.resolver) as never,
    disableBimi: true,
  });
  const dmarc = result.dmarc || null;
  let dmarcPolicy: AuthenticationVerdict['dmarcPolicy'] = 'none';
  if (dmarc && dmarc.status.result === 'fail') {
    const policy = (dmarc.policy ?? 'none').toLowerCase();
    // pct (RFC 7489 §6.6.4): the policy applies to that share of failing mail, else one step milder.
    const pct = typeof dmarc.pct === 'number' ? dmarc.pct : 100;
    const applies = pct >= 100 || random() * 100 < pct;
    if (policy === 'reject') dmarcPolicy = applies ? 'reject' : 'quarantine';
    else if (policy === 'quarantine') dmarcPolicy = applies ? 'quarantine' : 'none';
  }
  return {
    headers: result.headers,
    spf: result.spf ? result.spf.status.result : 'none',
    dkim: (result.dkim.results ?? []).map((r) => r.status.result),
    dmarc: dmarc ? dmarc.status.result : 'none',
    arc: result.arc ? result.arc.status.result : 'none',
    dmarcPolicy,
    fromDomain: dmarc ? dmarc.domain : null,
  };
}
