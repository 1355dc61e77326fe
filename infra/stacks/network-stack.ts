import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { HTTP_PORT, mailPortsOf, servicesOf, type AnyServiceName } from '../config/topology';
import { removalPolicyFor } from './common';

export interface NetworkStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly availabilityZones: readonly string[];
}

/**
 * Security groups of the public and compute tiers. The data tier's groups live in the Data stack
 * and admit these task groups; tasks reach them by port within the VPC CIDR, so no rule here
 * references the Data stack (which depends on this one).
 */
export interface ClusterSecurityGroups {
  readonly nlb: ec2.SecurityGroup;
  readonly alb: ec2.SecurityGroup;
  readonly tasks: Record<string, ec2.SecurityGroup>;
}

export const POSTGRES = 5432;
const NFS = 2049;

/**
 * VPC (public subnets for the load balancers and NAT, private subnets with egress for tasks,
 * isolated subnets for the database), VPC endpoints so that tasks reach AWS APIs without NAT,
 * flow logs, and the security groups of every tier.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly securityGroups: ClusterSecurityGroups;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(stage.vpcCidr),
      availabilityZones: props.availabilityZones.slice(0, stage.azCount),
      natGateways: stage.natGateways,
      natGatewayProvider: ec2.NatProvider.gateway(
        stage.natEipAllocationIds ? { eipAllocationIds: [...stage.natEipAllocationIds] } : {},
      ),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
    });

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: stage.logRetentionDays,
      removalPolicy: removalPolicyFor(stage),
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // S3 through a gateway endpoint (free; also carries ECR image layers); the rest through
    // interface endpoints in the task subnets with private DNS, open to the VPC CIDR on 443.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      Sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    };
    for (const [name, service] of Object.entries(interfaceEndpoints)) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        open: false,
      });
      endpoint.connections.allowFrom(ec2.Peer.ipv4(stage.vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    }

    this.securityGroups = this.createSecurityGroups(stage);
  }

  private createSecurityGroups(stage: StageConfig): ClusterSecurityGroups {
    const vpc = this.vpc;
    const sg = (id: string, description: string) =>
      new ec2.SecurityGroup(this, id, { vpc, description, allowAllOutbound: false });

    const nlb = sg('NlbSg', 'Nimbus NLB: public mail ports');
    const alb = sg('AlbSg', 'Nimbus ALB: public HTTPS');
    const vpcCidr = ec2.Peer.ipv4(stage.vpcCidr);

    alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from anywhere');
    alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from anywhere (redirected to HTTPS)');

    const tasks: Record<string, ec2.SecurityGroup> = {};
    for (const service of servicesOf(stage.cluster.topology)) {
      const task = sg(`Task${pascal(service.name)}Sg`, `Nimbus ${service.name} tasks`);
      tasks[service.name] = task;
      for (const port of mailPortsOf(service.roles)) {
        nlb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port.listenerPort), `${port.id} from anywhere`);
        nlb.addEgressRule(task, ec2.Port.tcp(port.containerPort), `${port.id} to ${service.name}`);
        task.addIngressRule(nlb, ec2.Port.tcp(port.containerPort), `${port.id} from the NLB`);
      }
      if (mailPortsOf(service.roles).length > 0) {
        nlb.addEgressRule(task, ec2.Port.tcp(HTTP_PORT), `health checks of ${service.name}`);
        task.addIngressRule(nlb, ec2.Port.tcp(HTTP_PORT), 'NLB health checks');
      }
      if (service.roles.includes('web')) {
        alb.addEgressRule(task, ec2.Port.tcp(HTTP_PORT), `HTTP to ${service.name}`);
        task.addIngressRule(alb, ec2.Port.tcp(HTTP_PORT), 'HTTP from the ALB');
      }
      // Egress: AWS APIs (VPC endpoints and the public endpoints without one); PostgreSQL (proxy,
      // and the writer directly for LISTEN/NOTIFY) and NFS (EFS) inside the VPC — the data tier's
      // security groups admit only these task groups.
      task.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS');
      task.addEgressRule(vpcCidr, ec2.Port.tcp(POSTGRES), 'RDS Proxy and Aurora writer');
      if (stage.blobStore === 'efs') task.addEgressRule(vpcCidr, ec2.Port.tcp(NFS), 'EFS mount targets');
      if (service.roles.includes('mta')) {
        // Remote MX delivery (25) and smarthost relay (587/465) go out through the NAT gateways.
        for (const port of [25, 465, 587]) {
          task.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `outbound SMTP ${port}`);
        }
      }
    }

    Validations.of(nlb).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The NLB is the public mail front door: SMTP (25) must accept any Internet MTA and clients connect from anywhere; abuse control is in the node (rate limits, auth).',
    });
    Validations.of(alb).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The ALB is the public web front door (webmail, ActiveSync, autodiscover); HTTP only redirects to HTTPS.',
    });
    return { nlb, alb, tasks };
  }
}

export function pascal(name: AnyServiceName | string): string {
  return name
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
