import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import type { ServiceSizing, StageConfig } from '../config/stages';
import { HTTP_PORT, mailPortsOf, servicesOf, type MailPort } from '../config/topology';
import { MailDnsRecords } from '../constructs/dns-records';
import { CONTAINER_NAME, MailService } from '../constructs/mail-service';
import { WebApi, type WebHandlerEntry } from '../constructs/web-api';
import { lambdaEnvironment } from '../../functions/lambda/environment';
import { BLOB_PREFIX, DATABASE_NAME, SPOOL_PREFIX, blobBucketName, type DataStack } from './data-stack';
import { namePrefix } from './common';
import { pascal, type ClusterSecurityGroups } from './network-stack';
import { grantWebHandlers } from './web-handler-grants';

export interface ServiceStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly securityGroups: ClusterSecurityGroups;
  readonly data: DataStack;
  readonly repoRoot: string;
  /** Web handlers from `functions/` to deploy behind the HTTP API (none yet: no API is created). */
  readonly webHandlers: readonly WebHandlerEntry[];
}

/** What the monitoring stack needs to know about one mail target group. */
export interface MailTargets {
  readonly service: string;
  readonly port: MailPort;
  readonly targetGroup: elbv2.NetworkTargetGroup;
}

/**
 * Draining (docs/deploy.md, "Draining and timeouts"): on scale-in or deployment ECS first
 * deregisters the task; the NLB stops sending it new connections and lets existing ones continue
 * for DEREGISTRATION_DELAY; then ECS sends SIGTERM and the node finishes SMTP transactions and
 * sends IMAP `* BYE` itself within the 120 s stop timeout. Connection termination at the end of
 * the delay stays off so that clients get a clean BYE, not a reset.
 */
export const DEREGISTRATION_DELAY = Duration.seconds(60);
/** The HTTP path an NLB target group checks: the node's health plus that one mail listener's. */
export function listenerHealthPath(port: MailPort): string {
  return `/healthz/${port.id}`;
}

/** ALB idle timeout: above the longest ActiveSync Ping heartbeat (3540 s). */
export const ALB_IDLE_TIMEOUT = Duration.seconds(3600);

/**
 * Stateless compute: the ECS cluster with one Fargate service per role group, the Network Load
 * Balancer for SMTP/IMAP/POP3, the Application Load Balancer for the `web` role (long-held
 * requests), and the HTTP API for the Lambda web handlers.
 */
export class ServiceStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly services: Record<string, MailService> = {};
  readonly nlb: elbv2.NetworkLoadBalancer;
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly mailTargets: MailTargets[] = [];
  readonly webTargetGroup: elbv2.ApplicationTargetGroup;
  readonly webApi?: WebApi;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { stage, vpc, securityGroups, data } = props;
    const prefix = namePrefix(stage);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      clusterName: prefix,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });

    // One image for every role, built from containers/Dockerfile at deploy time (synth only hashes it).
    const image = ecs.ContainerImage.fromAsset(props.repoRoot, {
      file: path.join('containers', 'Dockerfile'),
      platform: stage.cpuArchitecture === 'arm64' ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
    });

    this.nlb = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      crossZoneEnabled: true,
      deletionProtection: stage.deletionProtection,
      securityGroups: [securityGroups.nlb],
    });
    Validations.of(this.nlb).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'NLB access logs are only written for TLS listeners; every listener here is TCP passthrough (STARTTLS needs the raw stream), so connection records come from VPC flow logs and the nodes’ JSON session logs.',
    });

    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: securityGroups.alb,
      idleTimeout: ALB_IDLE_TIMEOUT,
      dropInvalidHeaderFields: true,
      deletionProtection: stage.deletionProtection,
    });
    this.alb.logAccessLogs(data.logBucket, 'alb');

    const services = servicesOf(stage.cluster.topology);
    const sizingOf = (name: string) => (stage.cluster.services as Record<string, ServiceSizing>)[name];
    for (const spec of services) {
      const mail = new MailService(this, pascal(spec.name), {
        stage,
        serviceName: spec.name,
        roles: spec.roles,
        sizing: sizingOf(spec.name),
        cluster: this.cluster,
        image,
        securityGroup: securityGroups.tasks[spec.name],
        data,
        vpcCidr: vpc.vpcCidrBlock,
      });
      this.services[spec.name] = mail;

      for (const port of mailPortsOf(spec.roles)) {
        const listener = this.nlb.addListener(`${pascal(port.id)}Listener`, {
          port: port.listenerPort,
          protocol: elbv2.Protocol.TCP,
          tcpIdleTimeout: Duration.seconds(port.idleTimeoutSeconds),
        });
        const targetGroup = new elbv2.NetworkTargetGroup(
          this,
          `${pascal(spec.name)}${pascal(port.id)}Targets`,
          {
            vpc,
            port: port.containerPort,
            protocol: elbv2.Protocol.TCP,
            targetType: elbv2.TargetType.IP,
            preserveClientIp: true,
            proxyProtocolV2: stage.proxyProtocol,
            deregistrationDelay: DEREGISTRATION_DELAY,
            connectionTermination: false,
            // Per listener (docs/deploy.md, "Health checks"): the node answers /healthz/<port> after a
            // self-connect probe of that listener, so a hung listener leaves only its own target
            // group. With proxyProtocolV2 the check connection carries a PROXY v2 header too; the
            // HTTP listener accepts it from the VPC (NIMBUS_PROXY_PROTOCOL_TRUSTED).
            healthCheck: {
              protocol: elbv2.Protocol.HTTP,
              port: String(HTTP_PORT),
              path: listenerHealthPath(port),
              healthyHttpCodes: '200',
              interval: Duration.seconds(10),
              timeout: Duration.seconds(5),
              healthyThresholdCount: 2,
              unhealthyThresholdCount: 2,
            },
          },
        );
        targetGroup.addTarget(
          mail.service.loadBalancerTarget({
            containerName: CONTAINER_NAME,
            containerPort: port.containerPort,
          }),
        );
        listener.addTargetGroups('Default', targetGroup);
        this.mailTargets.push({ service: spec.name, port, targetGroup });
      }
    }

    // --- Web: ALB → `web` role ----------------------------------------------------------------
    const webService = services.find((spec) => spec.roles.includes('web'));
    if (!webService) throw new Error(`topology ${stage.cluster.topology} has no web role`);
    this.webTargetGroup = new elbv2.ApplicationTargetGroup(this, 'WebTargets', {
      vpc,
      port: HTTP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
    this.webTargetGroup.addTarget(
      this.services[webService.name].service.loadBalancerTarget({
        containerName: CONTAINER_NAME,
        containerPort: HTTP_PORT,
      }),
    );
    this.alb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      certificates: [
        elbv2.ListenerCertificate.fromCertificateManager(
          acm.Certificate.fromCertificateArn(this, 'WebCertificate', stage.certificates.webCertificateArn),
        ),
      ],
      defaultTargetGroups: [this.webTargetGroup],
    });
    this.alb.addRedirect({ sourcePort: 80, targetPort: 443 });

    // --- DNS: the mail domain's records in the stage's hosted zone (docs/deploy.md, "DNS") -----
    if (stage.dns?.hostedZone) new MailDnsRecords(this, 'Dns', { stage, nlb: this.nlb, alb: this.alb });

    // --- Web: HTTP API → Lambda handlers ------------------------------------------------------
    if (props.webHandlers.length > 0) {
      this.webApi = new WebApi(this, 'WebApi', {
        stage,
        repoRoot: props.repoRoot,
        handlers: props.webHandlers,
        // The names come from functions/lambda/environment.ts, which the composition root reads.
        environment: lambdaEnvironment({
          stage: stage.name,
          databaseClusterArn: data.database.clusterArn,
          databaseSecretArn: data.databaseSecret.secretArn,
          databaseName: DATABASE_NAME,
          blobs: `s3://${blobBucketName(stage)}/${BLOB_PREFIX}`,
          blobsKmsKeyId: data.key.keyArn,
          spool: `sqs://${data.spoolPrefix}`,
          spoolBlobs: `s3://${blobBucketName(stage)}/${SPOOL_PREFIX}`,
          mailHost: stage.domain.mailHostname,
          // Autodiscover and JMAP session URLs name the web host (the ALB → web role serves ActiveSync,
          // DAV and push), not the API host these functions answer on.
          webBase: `https://${stage.domain.webHostname}`,
        }),
      });
      grantWebHandlers(this.webApi, stage, data);
    }

    // Execution roles pull from ECR (GetAuthorizationToken has no resource-level permissions).
    for (const mail of Object.values(this.services)) {
      Validations.of(mail.taskDefinition).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken (image pull) and the awslogs/ECS agent actions do not support resource-level permissions; everything else is scoped to ARNs.',
      });
    }

    new CfnOutput(this, 'NlbDnsName', {
      value: this.nlb.loadBalancerDnsName,
      description: 'CNAME/ALIAS target for the mail hostname',
    });
    new CfnOutput(this, 'AlbDnsName', {
      value: this.alb.loadBalancerDnsName,
      description: 'CNAME/ALIAS target for the web hostname',
    });
    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName });
  }
}
