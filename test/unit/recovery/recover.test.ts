/** The recovery function's flow with a fake actuator: events → signals → actions, claimed once. */
import type { ActionRecord, Signal } from '../../../core/recovery/types';
import { eventToSignals, type RecoveryEvent } from '../../../functions/recovery/events';
import type { RecoveryActuator, RecoveryConfig } from '../../../functions/recovery/ports';
import { recover } from '../../../functions/recovery/recover';
import { formatSignalTag, parseSignalTag } from '../../../functions/recovery/signal-tag';

const NOW = Date.parse('2025-06-01T12:00:00Z');

const config: RecoveryConfig = {
  stage: 'prod',
  clusterName: 'nimbus-prod',
  services: [
    {
      name: 'access',
      ecsServiceName: 'svc-access',
      roles: ['submission', 'imap', 'pop3'],
      minCount: 3,
      maxCount: 24,
    },
    { name: 'mta', ecsServiceName: 'svc-mta', roles: ['mta'], minCount: 2, maxCount: 8 },
    { name: 'mx', ecsServiceName: 'svc-mx', roles: ['mx', 'delivery'], minCount: 3, maxCount: 12 },
  ],
  queues: {
    inbound: { queueArn: 'arn:sqs:inbound', deadLetterQueueArn: 'arn:sqs:inbound-dlq' },
    outbound: { queueArn: 'arn:sqs:outbound', deadLetterQueueArn: 'arn:sqs:outbound-dlq' },
  },
  queueConsumers: { inbound: 'delivery', outbound: 'mta' },
};

class FakeActuator implements RecoveryActuator {
  signals: Signal[] = [];
  actions: ActionRecord[] = [];
  claims = new Map<string, number>();
  calls: string[] = [];
  unhealthy: string[] = ['task-a'];
  deploying = false;

  async describeServices(names: readonly string[]) {
    return Object.fromEntries(
      names.map((n) => [n, { desired: n === 'svc-mta' ? 2 : 4, running: 4, deploying: this.deploying }]),
    );
  }
  async unhealthyTasks(targetGroupArn: string, service: string) {
    this.calls.push(`unhealthyTasks ${targetGroupArn} ${service}`);
    return this.unhealthy;
  }
  async stopTask(taskId: string, reason: string) {
    this.calls.push(`stopTask ${taskId} ${reason}`);
  }
  async setMinimumCapacity(service: string, count: number) {
    this.calls.push(`setMinimumCapacity ${service} ${count}`);
  }
  async redeployService(service: string) {
    this.calls.push(`redeployService ${service}`);
  }
  async redrive(dlq: string, source: string) {
    this.calls.push(`redrive ${dlq} → ${source}`);
  }
  async publish(subject: string) {
    this.calls.push(`publish ${subject}`);
  }
  async loadHistory() {
    return { signals: [...this.signals], actions: [...this.actions] };
  }
  async recordSignals(signals: readonly Signal[]) {
    this.signals.push(...signals);
  }
  async claim(record: ActionRecord, until: number) {
    const held = this.claims.get(record.key);
    if (held !== undefined && held >= record.at) return false;
    this.claims.set(record.key, until);
    this.actions.push(record);
    return true;
  }
}

function alarmEvent(
  name: string,
  state: 'ALARM' | 'OK',
  description: string,
  at = NOW - 60_000,
): RecoveryEvent {
  return {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    time: new Date(at).toISOString(),
    detail: {
      alarmName: name,
      state: {
        value: state,
        timestamp: new Date(at).toISOString(),
        reason: 'Threshold Crossed: 1 datapoint [2400.0 (01/06/25 11:59:00)]',
      },
      configuration: { description },
    },
  };
}

describe('alarm descriptions carry the signal', () => {
  it('round-trips a signal tag', () => {
    const text = formatSignalTag('human text', { kind: 'queue-age-high', queue: 'outbound', role: 'mta' });
    expect(parseSignalTag(text)).toEqual({ kind: 'queue-age-high', queue: 'outbound', role: 'mta' });
    expect(parseSignalTag('no tag here')).toBeUndefined();
  });

  it('maps alarm state changes to firing/resolved signals, ignoring INSUFFICIENT_DATA', () => {
    const description = formatSignalTag('x', { kind: 'queue-age-high', queue: 'outbound' });
    expect(
      eventToSignals(alarmEvent('nimbus-prod-outbound-queue-age', 'ALARM', description), NOW)[0],
    ).toMatchObject({
      kind: 'queue-age-high',
      state: 'firing',
      queue: 'outbound',
      value: 2400,
      source: 'nimbus-prod-outbound-queue-age',
    });
    const insufficient = alarmEvent('a', 'ALARM', description);
    (insufficient.detail!.state as { value: string }).value = 'INSUFFICIENT_DATA';
    expect(eventToSignals(insufficient, NOW)).toEqual([]);
    expect(eventToSignals({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, NOW)).toEqual([]);
  });

  it('maps a cluster heartbeat event', () => {
    const [s] = eventToSignals(
      {
        source: 'nimbus.cluster',
        'detail-type': 'Node Heartbeat Missing',
        detail: { nodeId: 'n1', taskArn: 'arn:ecs:task/c/abc', role: 'imap' },
      },
      NOW,
    );
    expect(s).toMatchObject({ kind: 'heartbeat-missing', nodeId: 'n1', taskId: 'abc', role: 'imap' });
  });

  it('maps the event the nodes publish (roles list, no single role)', () => {
    const [s] = eventToSignals(
      {
        source: 'nimbus.cluster',
        'detail-type': 'Node Heartbeat Missing',
        detail: {
          stage: 'prod',
          nodeId: 'n2',
          taskArn: 'arn:aws:ecs:eu-west-1:1:task/nimbus-prod/t2',
          roles: ['mta'],
          lastHeartbeatAt: '2025-06-01T11:58:00.000Z',
          reportedBy: 'n1',
        },
      },
      NOW,
    );
    expect(s).toMatchObject({ kind: 'heartbeat-missing', nodeId: 'n2', taskId: 't2', role: 'mta' });
  });
});

describe('recover()', () => {
  const unhealthyTag = formatSignalTag('x', {
    kind: 'target-unhealthy',
    service: 'access',
    targetGroupArn: 'arn:tg/imap',
  });

  it('pins an unhealthy-target alarm to its task and replaces it exactly once', async () => {
    const actuator = new FakeActuator();
    const event = alarmEvent('nimbus-prod-access-imap-unhealthy', 'ALARM', unhealthyTag);
    const first = await recover(event, config, actuator, NOW);
    expect(first.performed.map((p) => p.description)).toEqual(['replace task task-a of access']);
    expect(actuator.calls).toContain('unhealthyTasks arn:tg/imap svc-access');
    expect(actuator.calls.filter((c) => c.startsWith('stopTask task-a'))).toHaveLength(1);

    await recover(event, config, actuator, NOW + 60_000); // the same alarm again
    expect(actuator.calls.filter((c) => c.startsWith('stopTask'))).toHaveLength(1);
  });

  it('clears every task signal when the alarm returns to OK', async () => {
    const actuator = new FakeActuator();
    await recover(
      alarmEvent('nimbus-prod-access-imap-unhealthy', 'ALARM', unhealthyTag),
      config,
      actuator,
      NOW,
    );
    await recover(
      alarmEvent('nimbus-prod-access-imap-unhealthy', 'OK', unhealthyTag, NOW),
      config,
      actuator,
      NOW + 1000,
    );
    const latest = actuator.signals
      .filter((s) => s.source === 'nimbus-prod-access-imap-unhealthy/task-a')
      .pop();
    expect(latest?.state).toBe('resolved');
  });

  it('records an unpinnable unhealthy alarm without acting (ECS already replaced the task)', async () => {
    const actuator = new FakeActuator();
    actuator.unhealthy = [];
    const report = await recover(
      alarmEvent('nimbus-prod-access-imap-unhealthy', 'ALARM', unhealthyTag),
      config,
      actuator,
      NOW,
    );
    expect(report.performed).toEqual([]);
    expect(actuator.signals[0].kind).toBe('alarm');
  });

  it('scales the consumer of an aging queue by raising its autoscaling minimum, and restores it', async () => {
    const actuator = new FakeActuator();
    const tag = formatSignalTag('x', { kind: 'queue-age-high', queue: 'outbound', role: 'mta' });
    await recover(alarmEvent('nimbus-prod-outbound-queue-age', 'ALARM', tag), config, actuator, NOW);
    expect(actuator.calls).toContain('setMinimumCapacity svc-mta 4');
    expect(actuator.calls.some((c) => c.startsWith('setDesiredCount'))).toBe(false);

    const cleared = alarmEvent('nimbus-prod-outbound-queue-age', 'OK', tag, NOW + 20 * 60_000);
    await recover(cleared, config, actuator, NOW + 21 * 60_000);
    expect(actuator.calls).toContain('setMinimumCapacity svc-mta 2');
  });

  it('redeploys a service with no healthy target once, and pages', async () => {
    const actuator = new FakeActuator();
    const tag = formatSignalTag('x', { kind: 'no-healthy-targets', service: 'mx' });
    const event = alarmEvent('nimbus-prod-mx-no-healthy-targets', 'ALARM', tag);
    await recover(event, config, actuator, NOW);
    expect(actuator.calls).toContain('redeployService svc-mx');
    expect(actuator.calls.some((c) => c.startsWith('publish [nimbus-prod] CRITICAL: mx: no healthy'))).toBe(
      true,
    );
    await recover(event, config, actuator, NOW + 10 * 60_000); // re-delivered / still down
    expect(actuator.calls.filter((c) => c === 'redeployService svc-mx')).toHaveLength(1);
  });

  it('does not redeploy while a deployment is under way', async () => {
    const actuator = new FakeActuator();
    actuator.deploying = true;
    const tag = formatSignalTag('x', { kind: 'no-healthy-targets', service: 'mx' });
    await recover(alarmEvent('nimbus-prod-mx-no-healthy-targets', 'ALARM', tag), config, actuator, NOW);
    expect(actuator.calls).not.toContain('redeployService svc-mx');
  });

  it('redrives dead letters after the cause cleared, via StartMessageMoveTask', async () => {
    const actuator = new FakeActuator();
    actuator.signals.push(
      { kind: 'error-rate-spike', role: 'delivery', source: 'e', state: 'firing', at: NOW - 90 * 60_000 },
      { kind: 'error-rate-spike', role: 'delivery', source: 'e', state: 'resolved', at: NOW - 30 * 60_000 },
    );
    const tag = formatSignalTag('x', { kind: 'dlq-not-empty', queue: 'inbound' });
    await recover(alarmEvent('nimbus-prod-inbound-dead-letters', 'ALARM', tag), config, actuator, NOW);
    expect(actuator.calls).toContain('redrive arn:sqs:inbound-dlq → arn:sqs:inbound');
  });

  it('pages when an action fails and carries on', async () => {
    const actuator = new FakeActuator();
    actuator.stopTask = async () => {
      throw new Error('AccessDenied');
    };
    const report = await recover(
      alarmEvent('nimbus-prod-access-imap-unhealthy', 'ALARM', unhealthyTag),
      config,
      actuator,
      NOW,
    );
    expect(report.failed[0].error).toBe('AccessDenied');
    expect(
      actuator.calls.some((c) => c.startsWith('publish [nimbus-prod] CRITICAL: recovery action failed')),
    ).toBe(true);
  });
});
