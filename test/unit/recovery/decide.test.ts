import { DEFAULT_POLICY, actionKey, decide } from '../../../core/recovery/decide';
import type { Action, ActionRecord, RecoveryInput, ServiceState, Signal } from '../../../core/recovery/types';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const MIN = 60_000;

const services: ServiceState[] = [
  { name: 'mx', roles: ['mx', 'delivery'], desiredCount: 3, runningCount: 3, minCount: 3, maxCount: 12 },
  { name: 'mta', roles: ['mta'], desiredCount: 2, runningCount: 2, minCount: 2, maxCount: 8 },
  {
    name: 'access',
    roles: ['submission', 'imap', 'pop3'],
    desiredCount: 4,
    runningCount: 4,
    minCount: 3,
    maxCount: 24,
  },
];

function signal(partial: Partial<Signal> & Pick<Signal, 'kind'>): Signal {
  return { state: 'firing', at: NOW - MIN, source: `alarm-${partial.kind}`, ...partial };
}

function input(partial: Partial<RecoveryInput>): RecoveryInput {
  return {
    now: NOW,
    signals: [],
    signalHistory: [],
    actionHistory: [],
    services,
    queueConsumers: { inbound: 'delivery', outbound: 'mta' },
    ...partial,
  };
}

const kinds = (actions: readonly ActionRecord[]) => actions.map((a) => a.action.kind);
const record = (action: Action, at: number): ActionRecord => ({ key: actionKey(action), action, at });

describe('recovery decisions: one signal → one action', () => {
  it('replaces the task behind an unhealthy target', () => {
    const { actions } = decide(
      input({ signals: [signal({ kind: 'target-unhealthy', service: 'access', taskId: 't1' })] }),
    );
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'replace-task', service: 'access', taskId: 't1' }),
    ]);
  });

  it('marks a node dead (releasing its leases) and replaces its task when its heartbeat is missing', () => {
    const { actions } = decide(
      input({
        signals: [signal({ kind: 'heartbeat-missing', nodeId: 'node-7', taskId: 't7', role: 'imap' })],
      }),
    );
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'mark-node-dead', nodeId: 'node-7' }),
      expect.objectContaining({ kind: 'replace-task', service: 'access', taskId: 't7' }),
    ]);
  });

  it('scales the consuming role out when a spool queue ages', () => {
    const { actions } = decide(
      input({ signals: [signal({ kind: 'queue-age-high', queue: 'outbound', value: 2400 })] }),
    );
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({
        kind: 'scale-out',
        service: 'mta',
        fromCount: 2,
        minCapacity: 2 + DEFAULT_POLICY.scaleStep,
      }),
    ]);
  });

  it('pages instead of scaling when the consumer is already at its maximum', () => {
    const atMax = services.map((s) => (s.name === 'mx' ? { ...s, desiredCount: 12 } : s));
    const { actions } = decide(
      input({ services: atMax, signals: [signal({ kind: 'queue-age-high', queue: 'inbound' })] }),
    );
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'page-human', severity: 'critical' }),
    ]);
  });

  it('scales back in once the backlog that caused a recovery scale-out clears', () => {
    const out = record(
      { kind: 'scale-out', service: 'mta', fromCount: 2, minCapacity: 4, reason: 'age' },
      NOW - 40 * MIN,
    );
    const grown = services.map((s) => (s.name === 'mta' ? { ...s, desiredCount: 4, runningCount: 4 } : s));
    const { actions } = decide(
      input({
        services: grown,
        actionHistory: [out],
        signalHistory: [signal({ kind: 'queue-age-high', queue: 'outbound', at: NOW - 45 * MIN })],
        signals: [
          signal({ kind: 'queue-age-high', queue: 'outbound', state: 'resolved', at: NOW - 30 * MIN }),
        ],
      }),
    );
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'scale-in', service: 'mta', minCapacity: 2 }),
    ]);
  });

  it('pages on an error-rate spike and does nothing else', () => {
    const { actions } = decide(input({ signals: [signal({ kind: 'error-rate-spike', role: 'mta' })] }));
    expect(kinds(actions)).toEqual(['page-human']);
  });

  it('leaves plain alarms to the humans who already received them', () => {
    expect(decide(input({ signals: [signal({ kind: 'alarm' })] })).actions).toEqual([]);
  });
});

describe('dead letters are redriven only after the cause is fixed', () => {
  const dlq = signal({ kind: 'dlq-not-empty', queue: 'inbound', value: 12, source: 'inbound-dlq' });
  const cause = (state: 'firing' | 'resolved', at: number) =>
    signal({ kind: 'error-rate-spike', role: 'delivery', source: 'delivery-errors', state, at });

  it('waits (and says so) while the cause is active', () => {
    const { actions } = decide(input({ signals: [dlq], signalHistory: [cause('firing', NOW - 10 * MIN)] }));
    expect(actions.map((a) => a.action)).toContainEqual(
      expect.objectContaining({ kind: 'page-human', dedupeKey: 'dlq-cause-active:inbound' }),
    );
    expect(kinds(actions)).not.toContain('redrive-dead-letters');
  });

  it('waits for the quiet period after the cause resolved', () => {
    const history = [cause('firing', NOW - 30 * MIN), cause('resolved', NOW - 5 * MIN)];
    expect(decide(input({ signals: [dlq], signalHistory: history })).actions).toEqual([]);
  });

  it('redrives once the cause has stayed resolved', () => {
    const history = [cause('firing', NOW - 60 * MIN), cause('resolved', NOW - 20 * MIN)];
    const { actions } = decide(input({ signals: [dlq], signalHistory: history }));
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'redrive-dead-letters', queue: 'inbound' }),
      expect.objectContaining({ kind: 'page-human', severity: 'info' }),
    ]);
  });

  it('does not redrive unexplained dead letters (possible poison messages)', () => {
    const { actions } = decide(input({ signals: [dlq] }));
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'page-human', dedupeKey: 'dlq-unexplained:inbound' }),
    ]);
  });

  it('does not redrive a second time when the queue refills after a redrive', () => {
    const history = [cause('firing', NOW - 180 * MIN), cause('resolved', NOW - 120 * MIN)];
    const redriven = record({ kind: 'redrive-dead-letters', queue: 'inbound', reason: 'x' }, NOW - 60 * MIN);
    const { actions } = decide(input({ signals: [dlq], signalHistory: history, actionHistory: [redriven] }));
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({
        kind: 'page-human',
        severity: 'critical',
        dedupeKey: 'dlq-refilled:inbound',
      }),
    ]);
  });
});

describe('idempotency and rate limits', () => {
  const unhealthy = signal({ kind: 'target-unhealthy', service: 'access', taskId: 't1', source: 'a/t1' });

  it('does not repeat an action for the same signal within its cooldown', () => {
    const first = decide(input({ signals: [unhealthy] }));
    expect(kinds(first.actions)).toEqual(['replace-task']);
    const second = decide(input({ now: NOW + MIN, signals: [unhealthy], actionHistory: first.actions }));
    expect(second.actions).toEqual([]);
    expect(second.skipped[0].reason).toMatch(/cooldown/);
  });

  it('acts again once the cooldown has passed', () => {
    const first = decide(input({ signals: [unhealthy] }));
    const later = NOW + DEFAULT_POLICY.cooldownMs['replace-task'] + MIN;
    const again = decide(
      input({ now: later, signals: [{ ...unhealthy, at: later - MIN }], actionHistory: first.actions }),
    );
    expect(kinds(again.actions)).toEqual(['replace-task']);
  });

  it('re-evaluates from history alone (a periodic tick) without duplicating', () => {
    const first = decide(input({ signals: [unhealthy] }));
    const tick = decide(
      input({ now: NOW + 5 * MIN, signalHistory: [unhealthy], actionHistory: first.actions }),
    );
    expect(tick.actions).toEqual([]);
  });

  it('treats most of a service failing at once as systemic: page, do not replace', () => {
    const signals = ['t1', 't2', 't3'].map((taskId) =>
      signal({ kind: 'target-unhealthy', service: 'access', taskId, source: `a/${taskId}` }),
    );
    const { actions } = decide(input({ signals }));
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'page-human', severity: 'critical', dedupeKey: 'systemic:access' }),
    ]);
  });

  it('stops replacing when replacements do not help', () => {
    const history = [1, 2, 3].map((n) =>
      record({ kind: 'replace-task', service: 'access', taskId: `old${n}`, reason: 'x' }, NOW - n * 5 * MIN),
    );
    const { actions } = decide(input({ signals: [unhealthy], actionHistory: history }));
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'page-human', dedupeKey: 'replacement-loop:access' }),
    ]);
  });

  it('caps disruptive actions per window and pages once about the rest', () => {
    const history = Array.from({ length: DEFAULT_POLICY.maxDisruptiveActions - 1 }, (_, n) =>
      record({ kind: 'mark-node-dead', nodeId: `n${n}`, reason: 'x' }, NOW - MIN),
    );
    const signals = [
      signal({ kind: 'heartbeat-missing', nodeId: 'a', source: 'hb/a' }),
      signal({ kind: 'heartbeat-missing', nodeId: 'b', source: 'hb/b' }),
      signal({ kind: 'heartbeat-missing', nodeId: 'c', source: 'hb/c' }),
    ];
    const { actions, skipped } = decide(input({ signals, actionHistory: history }));
    expect(kinds(actions)).toEqual(['mark-node-dead', 'page-human']);
    expect(actions[1].action).toMatchObject({ dedupeKey: 'rate-limit', severity: 'critical' });
    expect(skipped.filter((s) => s.reason === 'rate limit')).toHaveLength(2);
  });

  it('ignores signals older than the maximum age (a lost resolve event)', () => {
    const stale = signal({
      kind: 'target-unhealthy',
      service: 'access',
      taskId: 't9',
      at: NOW - 25 * 60 * MIN,
    });
    expect(decide(input({ signalHistory: [stale] })).actions).toEqual([]);
  });

  it('uses the latest state per source', () => {
    const { actions } = decide(
      input({
        signalHistory: [unhealthy],
        signals: [{ ...unhealthy, state: 'resolved', at: NOW }],
      }),
    );
    expect(actions).toEqual([]);
  });
});

describe('issue #12 item 8: actions that never fight the autoscaler, and the new automatic actions', () => {
  const mtaBeat = signal({
    kind: 'heartbeat-missing',
    nodeId: 'mta-1',
    taskId: 'tm1',
    role: 'mta',
    source: 'heartbeat/mta-1',
  });
  const outboundAging = signal({ kind: 'queue-age-high', queue: 'outbound', source: 'outbound-age' });

  it('leaves a queue consumer that missed its heartbeat running while its queue is not aging', () => {
    const { actions } = decide(input({ signals: [mtaBeat] }));
    expect(kinds(actions)).toEqual(['mark-node-dead', 'page-human']);
  });

  it('stops a stuck mta task once the outbound queue ages, and only once', () => {
    const first = decide(input({ signals: [outboundAging], signalHistory: [mtaBeat] }));
    expect(first.actions.map((a) => a.action)).toContainEqual(
      expect.objectContaining({ kind: 'replace-task', service: 'mta', taskId: 'tm1' }),
    );
    const later = decide(
      input({
        now: NOW + 20 * MIN,
        signalHistory: [mtaBeat, outboundAging],
        actionHistory: [...first.actions],
      }),
    );
    expect(kinds(later.actions)).not.toContain('replace-task');
    expect(kinds(later.actions)).not.toContain('mark-node-dead');
  });

  it('ignores a heartbeat event older than its maximum age', () => {
    const old = { ...mtaBeat, at: NOW - DEFAULT_POLICY.heartbeatMaxAgeMs - MIN };
    expect(decide(input({ signals: [old, outboundAging] })).actions.map((a) => a.action.kind)).toEqual([
      'scale-out',
    ]);
  });

  it('redeploys a service without healthy targets once per outage, then only pages', () => {
    const down = signal({ kind: 'no-healthy-targets', service: 'mx', source: 'mx-no-healthy' });
    const first = decide(input({ signals: [down] }));
    expect(kinds(first.actions)).toEqual(['redeploy-service', 'page-human']);
    const again = decide(
      input({ now: NOW + 3 * 60 * MIN, signalHistory: [down], actionHistory: [...first.actions] }),
    );
    expect(kinds(again.actions)).toEqual(['page-human']);
    expect(again.actions[0].key).toBe('page-human:redeploy-failed:mx');
  });

  it('does not redeploy a service that is being deployed (the circuit breaker owns it)', () => {
    const deploying = services.map((s) => (s.name === 'mx' ? { ...s, deploying: true } : s));
    const down = signal({ kind: 'no-healthy-targets', service: 'mx' });
    expect(kinds(decide(input({ services: deploying, signals: [down] })).actions)).toEqual(['page-human']);
  });

  it('holds back replacements, redeploys and scale-outs while a database alarm fires', () => {
    const { actions } = decide(
      input({
        signals: [
          signal({ kind: 'database', source: 'db-cpu' }),
          signal({ kind: 'target-unhealthy', service: 'access', taskId: 't1', source: 'u/t1' }),
          signal({ kind: 'queue-age-high', queue: 'outbound', source: 'age' }),
        ],
      }),
    );
    expect(kinds(actions)).toEqual(['page-human']);
    expect(actions[0].action).toMatchObject({ dedupeKey: 'database-hold' });
  });

  it('gives the minimum back even when the resolve of the backlog was lost', () => {
    const out = record(
      { kind: 'scale-out', service: 'mta', fromCount: 2, minCapacity: 4, reason: 'age' },
      NOW - 30 * 60 * MIN,
    );
    const { actions } = decide(input({ actionHistory: [out] }));
    expect(actions.map((a) => a.action)).toEqual([
      expect.objectContaining({ kind: 'scale-in', service: 'mta', minCapacity: 2 }),
    ]);
  });

  it('keeps a raised minimum while the queue still ages', () => {
    const out = record(
      { kind: 'scale-out', service: 'mta', fromCount: 2, minCapacity: 4, reason: 'age' },
      NOW - 5 * MIN,
    );
    const { actions } = decide(input({ actionHistory: [out], signalHistory: [outboundAging] }));
    expect(kinds(actions)).not.toContain('scale-in');
  });
});
