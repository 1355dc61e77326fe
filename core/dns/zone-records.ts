/**
 * The DNS records a mail domain served by Nimbus needs, as data: MX, SPF, DKIM, DMARC, MTA-STS,
 * TLS-RPT, client autoconfiguration names and RFC 6186/8314 SRV records. One function feeds both
 * `nimbus dns records` (BIND text, core/dns/zone-format.ts) and the Route 53 construct
 * (infra/constructs/dns-records.ts), so the printed and the deployed records cannot drift.
 * Pure: no lookups, everything comes from the input.
 */
import { mtaStsPolicy, mtaStsPolicyId, type MtaStsMode } from './mta-sts';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface MxValue {
  priority: number;
  host: string;
}

export interface SrvValue {
  priority: number;
  weight: number;
  port: number;
  /** "." = the service is not offered here (RFC 2782, RFC 6186 §3.4). */
  target: string;
}

/** Names are fully qualified, lower case, without the trailing dot. */
export type DnsRecord =
  | { type: 'MX'; name: string; values: MxValue[] }
  | { type: 'TXT'; name: string; values: string[] }
  | { type: 'CNAME'; name: string; target: string }
  | { type: 'SRV'; name: string; values: SrvValue[] };

/** Client ports as the world reaches them; null = not offered (published with target "."). */
export interface ClientPorts {
  submissions: number | null;
  submission: number | null;
  imaps: number | null;
  imap: number | null;
  pop3s: number | null;
  pop3: number | null;
  /** ManageSieve (RFC 5804 §1.8: _sieve._tcp), STARTTLS only. */
  sieve: number | null;
}

/** The IANA ports: what a load balancer in front of the nodes publishes. */
export const STANDARD_PORTS: ClientPorts = {
  submissions: 465,
  submission: 587,
  imaps: 993,
  imap: 143,
  pop3s: 995,
  pop3: 110,
  sieve: 4190,
};

export interface ZoneInput {
  domain: string;
  /** MX target and the host mail clients use (SMTP banner name). */
  mailHost: string;
  /** HTTPS front door: autoconfig, autodiscover and the MTA-STS policy host point here. */
  webHost: string;
  ports: ClientPorts;
  /** SPF mechanisms between "v=spf1" and "-all" (default ["mx"]). */
  spf?: string[];
  /** The domain's DKIM key record (`nimbus dkim show`), when it has one. */
  dkim?: { name: string; value: string } | null;
  dmarcPolicy?: DmarcPolicy;
  /** DMARC aggregate and TLS-RPT reports (default postmaster@domain). */
  reportAddress?: string;
  mtaStsMode?: MtaStsMode;
}

export const DEFAULT_DMARC_POLICY: DmarcPolicy = 'quarantine';

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Lower-cases and checks a host name; throws on anything that is not one (CLI: exit 5). */
export function hostName(value: string, what: string): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (!HOST.test(name)) throw new Error(`${what} "${value}" is not a fully qualified host name`);
  return name;
}

/** SPF for mail relayed through a smarthost: its sender domain's include, when we know it. */
export function smarthostSpf(host: string): string[] | null {
  // Amazon SES SMTP endpoints (email-smtp.REGION.amazonaws.com) send from amazonses.com.
  if (/^email-smtp(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/i.test(host)) return ['include:amazonses.com'];
  return null;
}

export function mailZoneRecords(input: ZoneInput): DnsRecord[] {
  const domain = hostName(input.domain, 'domain');
  const mailHost = hostName(input.mailHost, 'mail host');
  const webHost = hostName(input.webHost, 'web host');
  const report = input.reportAddress ?? `postmaster@${domain}`;
  if (!/^[^\s@;,!]+@[^\s@;,!]+$/.test(report))
    throw new Error(`report address "${report}" is not an address`);
  const spf = input.spf ?? ['mx'];
  for (const mechanism of spf) {
    if (!/^[+?~-]?[a-z0-9][a-z0-9:./=_-]*$/i.test(mechanism))
      throw new Error(`SPF mechanism "${mechanism}" is not valid`);
  }
  const mode = input.mtaStsMode ?? 'testing';
  const records: DnsRecord[] = [
    { type: 'MX', name: domain, values: [{ priority: 10, host: mailHost }] },
    { type: 'TXT', name: domain, values: [['v=spf1', ...spf, '-all'].join(' ')] },
  ];
  if (input.dkim) {
    const name = input.dkim.name.toLowerCase().replace(/\.$/, '');
    if (!name.endsWith(`._domainkey.${domain}`) || !/^[a-z0-9_.-]+$/.test(name))
      throw new Error(`DKIM record name "${input.dkim.name}" is not SELECTOR._domainkey.${domain}`);
    records.push({ type: 'TXT', name, values: [input.dkim.value] });
  }
  records.push(
    {
      type: 'TXT',
      name: `_dmarc.${domain}`,
      values: [
        `v=DMARC1; p=${input.dmarcPolicy ?? DEFAULT_DMARC_POLICY}; rua=mailto:${report}; adkim=r; aspf=r`,
      ],
    },
    {
      type: 'TXT',
      name: `_mta-sts.${domain}`,
      values: [`v=STSv1; id=${mtaStsPolicyId(mtaStsPolicy({ mode, mx: [mailHost] }))}`],
    },
    { type: 'TXT', name: `_smtp._tls.${domain}`, values: [`v=TLSRPTv1; rua=mailto:${report}`] },
  );
  // Names that must reach the web role; a CNAME onto itself (webHost is one of them) is left out.
  for (const label of ['mta-sts', 'autoconfig', 'autodiscover']) {
    const name = `${label}.${domain}`;
    if (name !== webHost) records.push({ type: 'CNAME', name, target: webHost });
  }
  const srv = (service: string, port: number | null, priority: number, target = mailHost): DnsRecord => ({
    type: 'SRV',
    name: `_${service}._tcp.${domain}`,
    values: [
      port === null
        ? { priority: 0, weight: 0, port: 0, target: '.' }
        : { priority, weight: 1, port, target },
    ],
  });
  // RFC 8314 §5.1: implicit TLS preferred (priority 0) over STARTTLS (priority 10).
  const { ports } = input;
  records.push(
    srv('submissions', ports.submissions, 0),
    srv('submission', ports.submission, 10),
    srv('imaps', ports.imaps, 0),
    srv('imap', ports.imap, 10),
    srv('pop3s', ports.pop3s, 0),
    srv('pop3', ports.pop3, 10),
    srv('sieve', ports.sieve, 0),
    srv('autodiscover', 443, 0, webHost),
    // RFC 6764 §3: CalDAV and CardDAV over TLS on the web role, the context path in TXT.
    srv('caldavs', 443, 0, webHost),
    srv('carddavs', 443, 0, webHost),
    { type: 'TXT', name: `_caldavs._tcp.${domain}`, values: ['path=/dav/'] },
    { type: 'TXT', name: `_carddavs._tcp.${domain}`, values: ['path=/dav/'] },
  );
  return records;
}
