/**
 * The mail domain's DNS records in the stage's Route 53 hosted zone (stage `dns.hostedZone`),
 * from core/dns/zone-records.ts, the function `nimbus dns records` prints: what is deployed and
 * what the CLI shows cannot drift. The zone is imported by id (no lookup at synth time).
 *
 * MX must name a host with address records (RFC 2181 §10.3: not a CNAME), so the mail host gets
 * an ALIAS A record onto the NLB and MX names the mail host; the web host is an ALIAS onto the
 * ALB, and autoconfig/autodiscover/mta-sts are CNAMEs to it. Host names outside the zone are
 * left to whoever owns them. DKIM is not here: its key lives in the database, created at run
 * time (`nimbus dkim generate`, then publish what `nimbus dns records` prints).
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import {
  mailZoneRecords,
  smarthostSpf,
  type ClientPorts,
  type DnsRecord,
  type ZoneInput,
} from '../../core/dns/zone-records';
import type { StageConfig } from '../config/stages';
import { MAIL_PORTS, servicesOf, type MailPort } from '../config/topology';

export interface MailDnsRecordsProps {
  readonly stage: StageConfig;
  readonly nlb: elbv2.INetworkLoadBalancer;
  readonly alb: elbv2.IApplicationLoadBalancer;
}

export const RECORD_TTL = Duration.hours(1);

/** The NLB's public listener ports, null where no service of the topology runs the role. */
export function publicPorts(stage: StageConfig): ClientPorts {
  const roles = new Set(servicesOf(stage.cluster.topology).flatMap((s) => s.roles));
  const port = (id: MailPort['id']) => {
    const found = MAIL_PORTS.find((p) => p.id === id)!;
    return roles.has(found.role) ? found.listenerPort : null;
  };
  return {
    submissions: port('submissions'),
    submission: port('submission'),
    imaps: port('imaps'),
    imap: port('imap'),
    pop3s: port('pop3s'),
    pop3: port('pop3'),
    sieve: port('managesieve'),
  };
}

/** What the stage publishes: the same input the CLI builds from a node's configuration. */
export function stageZoneInput(stage: StageConfig): ZoneInput {
  const smarthost = stage.smarthost;
  const spf =
    stage.dns?.spf ??
    (smarthost ? (smarthost.spf ? [smarthost.spf] : (smarthostSpf(smarthost.host) ?? undefined)) : undefined);
  return {
    domain: stage.domain.mailDomain,
    mailHost: stage.domain.mailHostname,
    webHost: stage.domain.webHostname,
    ports: publicPorts(stage),
    spf: spf ? [...spf] : undefined,
    dkim: null,
    dmarcPolicy: stage.dns?.dmarcPolicy,
    reportAddress: stage.dns?.reportAddress,
    mtaStsMode: stage.dns?.mtaStsMode,
  };
}

const fqdn = (name: string) => `${name}.`;
const idOf = (record: DnsRecord) => `${record.type}-${record.name}`;

export class MailDnsRecords extends Construct {
  readonly zone: route53.IHostedZone;
  readonly records: DnsRecord[];

  constructor(scope: Construct, id: string, props: MailDnsRecordsProps) {
    super(scope, id);
    const { stage } = props;
    const zoneConfig = stage.dns?.hostedZone;
    if (!zoneConfig) throw new Error(`stage ${stage.name} names no dns.hostedZone`);
    const zoneName = zoneConfig.name.replace(/\.$/, '').toLowerCase();
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: zoneConfig.id,
      zoneName,
    });
    const inZone = (host: string) => host === zoneName || host.endsWith(`.${zoneName}`);
    const zone = this.zone;

    const mailHost = stage.domain.mailHostname.toLowerCase();
    const webHost = stage.domain.webHostname.toLowerCase();
    if (inZone(mailHost)) {
      new route53.ARecord(this, `A-${mailHost}`, {
        zone,
        recordName: fqdn(mailHost),
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.nlb)),
      });
    }
    if (inZone(webHost)) {
      new route53.ARecord(this, `A-${webHost}`, {
        zone,
        recordName: fqdn(webHost),
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.alb)),
      });
    }

    const input = stageZoneInput(stage);
    if (!stage.smarthost && !stage.dns?.spf) {
      Annotations.of(this).addWarningV2(
        'nimbus:spf-mx',
        'SPF is "v=spf1 mx -all", but without a smarthost mail leaves through the NAT gateways, not the MX (NLB) addresses: set dns.spf to their ip4: mechanisms',
      );
    }
    this.records = mailZoneRecords(input);
    for (const record of this.records) this.add(record);
  }

  private add(record: DnsRecord): void {
    const common = { zone: this.zone, recordName: fqdn(record.name), ttl: RECORD_TTL };
    switch (record.type) {
      case 'MX':
        new route53.MxRecord(this, idOf(record), {
          ...common,
          values: record.values.map((v) => ({ priority: v.priority, hostName: fqdn(v.host) })),
        });
        return;
      case 'TXT':
        // TxtRecord splits values longer than 255 characters into several strings.
        new route53.TxtRecord(this, idOf(record), { ...common, values: record.values });
        return;
      case 'CNAME':
        new route53.CnameRecord(this, idOf(record), { ...common, domainName: fqdn(record.target) });
        return;
      case 'SRV':
        new route53.SrvRecord(this, idOf(record), {
          ...common,
          values: record.values.map((v) => ({
            priority: v.priority,
            weight: v.weight,
            port: v.port,
            hostName: v.target === '.' ? '.' : fqdn(v.target),
          })),
        });
    }
  }
}
