/**
 * `nimbus dns records DOMAIN [--json]`: the zone snippet a hosted domain needs, from the node's
 * configuration (host name, the ports a running node bound, its roles, the smarthost) and the
 * domain's DKIM key. The records themselves come from core/dns/zone-records.ts, the same function
 * the Route 53 construct uses.
 */
import type { Command } from 'commander';
import { AdminError } from '../../core/admin/admin-error';
import { mtaStsPolicy, parseMtaStsMode } from '../../core/dns/mta-sts';
import { formatZone } from '../../core/dns/zone-format';
import {
  STANDARD_PORTS,
  hostName,
  mailZoneRecords,
  smarthostSpf,
  type ClientPorts,
  type DmarcPolicy,
  type ZoneInput,
} from '../../core/dns/zone-records';
import { runAdmin } from './admin-client';
import type { NodeConfig } from './config';
import { readNodeFile } from './node-files';

interface DnsOptions {
  json?: boolean;
  standardPorts?: boolean;
  mailHost?: string;
  webHost?: string;
  spf?: string;
  dmarcPolicy?: string;
  reportAddress?: string;
  mtaStsMode?: string;
  ttl?: string;
}

const DMARC_POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

function invalid(message: string): never {
  throw new AdminError('invalid', message);
}

/** The ports clients reach: a running node's bound ports, else the configured ones; null where a role is off. */
async function clientPorts(config: NodeConfig, standard: boolean): Promise<ClientPorts> {
  const bound = standard ? null : (await readNodeFile(config.dataDir))?.ports;
  const base: ClientPorts = standard
    ? STANDARD_PORTS
    : {
        submissions: bound?.submissions ?? config.ports.submissions,
        submission: bound?.submission ?? config.ports.submission,
        imaps: bound?.imaps ?? config.ports.imaps,
        imap: bound?.imap ?? config.ports.imap,
        pop3s: bound?.pop3s ?? config.ports.pop3s,
        pop3: bound?.pop3 ?? config.ports.pop3,
        sieve: bound?.managesieve ?? config.ports.managesieve,
      };
  const on = (role: 'submission' | 'imap' | 'pop3' | 'managesieve', port: number | null) =>
    config.roles.includes(role) && port ? port : null;
  return {
    submissions: on('submission', base.submissions),
    submission: on('submission', base.submission),
    imaps: on('imap', base.imaps),
    imap: on('imap', base.imap),
    pop3s: on('pop3', base.pop3s),
    pop3: on('pop3', base.pop3),
    sieve: on('managesieve', base.sieve),
  };
}

async function dkimRecord(
  config: NodeConfig,
  domain: string,
): Promise<{ name: string; value: string } | null> {
  try {
    const key = (await runAdmin(config, { op: 'dkim.show', domain })) as {
      dns: { name: string; value: string };
    };
    return key.dns;
  } catch (error) {
    if (error instanceof AdminError && error.code === 'not-found') return null;
    throw error;
  }
}

export async function dnsRecords(config: NodeConfig, domainArg: string, o: DnsOptions) {
  let domain: string;
  try {
    domain = hostName(domainArg, 'domain');
  } catch (error) {
    invalid((error as Error).message);
  }
  const notes: string[] = [];
  const smarthost = config.relay.smarthost?.host;
  let spf: string[] | undefined;
  if (o.spf !== undefined) spf = o.spf.split(/[\s,]+/).filter(Boolean);
  else if (smarthost) {
    spf = smarthostSpf(smarthost) ?? undefined;
    if (!spf) notes.push(`mail leaves through the smarthost ${smarthost}: add its SPF mechanism with --spf`);
  }
  if (o.dmarcPolicy !== undefined && !(DMARC_POLICIES as readonly string[]).includes(o.dmarcPolicy))
    invalid(`--dmarc-policy must be one of ${DMARC_POLICIES.join(', ')}`);
  const ttl = o.ttl === undefined ? 3600 : Number(o.ttl);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 604800) invalid('--ttl must be 60..604800 seconds');
  const webBase = process.env.NIMBUS_WEB_BASE;
  const mailHost = o.mailHost ?? config.hostname;
  const webHost = o.webHost ?? (webBase ? new URL(webBase).hostname : mailHost);
  let mtaStsMode;
  try {
    mtaStsMode = parseMtaStsMode(o.mtaStsMode ?? process.env.NIMBUS_MTA_STS_MODE);
  } catch (error) {
    invalid((error as Error).message);
  }
  const input: ZoneInput = {
    domain,
    mailHost,
    webHost,
    ports: await clientPorts(config, !!o.standardPorts),
    spf,
    dmarcPolicy: o.dmarcPolicy as DmarcPolicy | undefined,
    reportAddress: o.reportAddress,
    mtaStsMode,
  };
  const recordsWith = (dkim: ZoneInput['dkim']) => {
    try {
      return mailZoneRecords({ ...input, dkim });
    } catch (error) {
      invalid((error as Error).message);
    }
  };
  // Options are checked first (a typo costs no database connection), then the domain and its key.
  recordsWith(null);
  const hosted = (await runAdmin(config, { op: 'domain.list' })) as { name: string }[];
  if (!hosted.some((d) => d.name.toLowerCase() === domain)) {
    throw new AdminError('not-found', `domain ${domain} is not hosted here (nimbus domain add ${domain})`);
  }
  const dkim = await dkimRecord(config, domain);
  if (!dkim) notes.push(`no DKIM key for ${domain}: nimbus dkim generate ${domain}, then print these again`);
  const records = recordsWith(dkim);
  notes.push(
    `${hostName(mailHost, 'mail host')} needs A/AAAA records (the node or its load balancer); the web host needs a certificate for mta-sts.${domain}`,
  );
  return {
    domain,
    ttl,
    records,
    mtaStsPolicy: mtaStsPolicy({ mode: mtaStsMode, mx: [hostName(mailHost, 'mail host')] }),
    notes,
  };
}

export function registerDnsCommands(program: Command, config: () => NodeConfig): void {
  const dns = program.command('dns').description('DNS records for hosted domains');
  dns
    .command('records <domain>')
    .description('print the zone snippet: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, autoconfig, SRV')
    .option('--json', 'machine-readable output')
    .option('--standard-ports', 'SRV records with 465/587/993/143/995/110 (behind a load balancer)')
    .option('--mail-host <name>', 'MX target and client host (default: the node hostname)')
    .option('--web-host <name>', 'autoconfig/MTA-STS host (default: NIMBUS_WEB_BASE host, else mail host)')
    .option('--spf <mechanisms>', 'SPF mechanisms instead of "mx" (e.g. "ip4:203.0.113.7 include:x.example")')
    .option('--dmarc-policy <policy>', 'none|quarantine|reject (default quarantine)')
    .option('--report-address <address>', 'DMARC and TLS-RPT reports (default postmaster@DOMAIN)')
    .option('--mta-sts-mode <mode>', 'testing|enforce|none (default NIMBUS_MTA_STS_MODE or testing)')
    .option('--ttl <seconds>', 'record TTL (default 3600)')
    .action(async (domain: string, o: DnsOptions) => {
      const result = await dnsRecords(config(), domain, o);
      if (o.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      const comments = [`; Nimbus Mail records for ${result.domain}`, ...result.notes.map((n) => `; ${n}`)];
      process.stdout.write(`${comments.join('\n')}\n${formatZone(result.records, result.ttl)}`);
    });
}
