/**
 * Where a phone's ActiveSync and Autodiscover requests land on AWS (docs/activesync.md, "On
 * AWS"): the ALB's HTTPS listener sends every path, /Microsoft-Server-ActiveSync and
 * /autodiscover included, to the target group of the service that runs the `web` role; the ALB's
 * idle timeout outlasts the longest Ping heartbeat the node may be configured to hold; and the
 * Lambda HTTP API (cut at 30 s) claims no ActiveSync path.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../containers/node/config';
import { STAGES } from '../../infra/config/stages';
import { WEB_HANDLERS } from '../../infra/config/web-handlers';
import { AZ_CONTEXT_KEY, addStage } from '../../infra/nimbus-app';
import { EAS_PATH } from '../../functions/eas/path';
import { DEFAULT_EAS_SETTINGS } from '../../functions/eas/settings';
import { cdkContext, environmentOf, resourcesOf, synthStage, type Synthesized } from './synth';

type Resource = { Properties?: Record<string, unknown> };
const refOf = (value: unknown) => (value as { Ref?: string } | undefined)?.Ref;

const stages = { dev: STAGES.dev, prod: STAGES.prod };
const synthesized: Record<string, Synthesized> = {};
beforeAll(() => {
  for (const [name, stage] of Object.entries(stages)) synthesized[name] = synthStage(stage);
}, 300_000);

/** The ALB's idle timeout in seconds, as the template sets it. */
function albIdleSeconds(s: Synthesized): number {
  const [alb] = Object.values(resourcesOf(s.services, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).filter(
    (lb) => lb.Properties?.Type === 'application',
  );
  const attrs = alb.Properties!.LoadBalancerAttributes as { Key: string; Value: string }[];
  return Number(attrs.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value);
}

describe.each(Object.keys(stages))('%s: ActiveSync behind the ALB', (name) => {
  it('sends every HTTPS path to the target group of the service running the web role', () => {
    const s = synthesized[name];
    const listeners = Object.values(resourcesOf(s.services, 'AWS::ElasticLoadBalancingV2::Listener'));
    const https = listeners.find((l) => l.Properties?.Port === 443)!;
    const actions = https.Properties!.DefaultActions as { Type: string; TargetGroupArn: unknown }[];
    expect(actions.map((a) => a.Type)).toEqual(['forward']);
    const webGroup = refOf(actions[0].TargetGroupArn)!;
    // No listener rules: nothing diverts /Microsoft-Server-ActiveSync or /autodiscover elsewhere.
    expect(Object.keys(resourcesOf(s.services, 'AWS::ElasticLoadBalancingV2::ListenerRule'))).toEqual([]);

    const group = s.services.toJSON().Resources[webGroup] as Resource;
    expect(group.Properties).toMatchObject({ Protocol: 'HTTP', Port: 8080, HealthCheckPath: '/healthz' });
    const services = Object.values(resourcesOf(s.services, 'AWS::ECS::Service')).filter((svc) =>
      ((svc.Properties!.LoadBalancers as { TargetGroupArn: unknown }[]) ?? []).some(
        (lb) => refOf(lb.TargetGroupArn) === webGroup,
      ),
    );
    expect(services).toHaveLength(1);
    const task = s.services.toJSON().Resources[refOf(services[0].Properties!.TaskDefinition)!] as Resource;
    expect(String(environmentOf(task).NIMBUS_ROLES).split(',')).toContain('web');
    // Port 80 only redirects to HTTPS (Basic authentication is refused over plain HTTP anyway).
    const plain = listeners.find((l) => l.Properties?.Port === 80)!;
    expect((plain.Properties!.DefaultActions as { Type: string }[]).map((a) => a.Type)).toEqual(['redirect']);
  });

  it('keeps the ALB idle timeout above the longest Ping heartbeat, default and configurable', () => {
    const idle = albIdleSeconds(synthesized[name]);
    expect(idle).toBe(3600);
    expect(DEFAULT_EAS_SETTINGS.ping.maxHeartbeatSeconds).toBe(1740);
    expect(DEFAULT_EAS_SETTINGS.ping.maxHeartbeatSeconds).toBeLessThan(idle);
    // The largest value the eas section accepts (MS-ASCMD's 3540 s) still ends before the ALB
    // closes the idle connection; the ALB's own timeout is refused as a heartbeat.
    const largest = loadConfig({ env: {}, overrides: { 'eas.ping.maxHeartbeatSeconds': 3540 } });
    expect(largest.eas.ping.maxHeartbeatSeconds).toBeLessThan(idle);
    expect(() => loadConfig({ env: {}, overrides: { 'eas.ping.maxHeartbeatSeconds': idle } })).toThrow(
      /maxHeartbeatSeconds/,
    );
  });
});

describe('the Lambda HTTP API', () => {
  const claims = (routeKey: string) => {
    const path = routeKey.split(' ')[1] ?? routeKey;
    if (routeKey === '$default' || /^\/\{proxy\+\}$/.test(path)) return true;
    return path.toLowerCase().startsWith(EAS_PATH.toLowerCase());
  };

  it('has no route for the ActiveSync path in the handler table', () => {
    const routes = WEB_HANDLERS.flatMap((handler) => handler.routes);
    expect(routes.length).toBeGreaterThan(5);
    expect(routes.filter(claims)).toEqual([]);
  });

  it('synthesizes no route that would take /Microsoft-Server-ActiveSync (the web role serves it)', () => {
    // Every web handler deployed; bundling skipped (the routes are what is checked here).
    const context = cdkContext();
    const app = new App({
      context: { [AZ_CONTEXT_KEY]: context[AZ_CONTEXT_KEY], ...context, 'aws:cdk:bundling-stacks': [] },
    });
    const stacks = addStage(app, { stage: STAGES.dev, webHandlers: WEB_HANDLERS, account: '123456789012' });
    const routes = Object.values(
      resourcesOf(Template.fromStack(stacks.services), 'AWS::ApiGatewayV2::Route'),
    );
    const keys = routes.map((r) => String(r.Properties!.RouteKey));
    expect(keys).toEqual(expect.arrayContaining(['POST /jmap/api', 'ANY /autodiscover/autodiscover.xml']));
    expect(keys.filter(claims)).toEqual([]);

    // Autodiscover answered by the API host still names the web host (where ActiveSync lives).
    const functions = Object.values(
      resourcesOf(Template.fromStack(stacks.services), 'AWS::Lambda::Function'),
    );
    const autodiscover = functions.filter((f) =>
      /Autoconfig/i.test(String((f.Properties as { Description?: string }).Description ?? '')),
    );
    expect(autodiscover.length).toBeGreaterThan(0);
    for (const f of autodiscover) {
      const env = (f.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
        .Variables;
      expect(env.NIMBUS_WEB_BASE).toBe(`https://${STAGES.dev.domain.webHostname}`);
    }
  }, 300_000);
});
