/**
 * The Metrics port as CloudWatch Embedded Metric Format: every `intervalMs` (60 s) one JSON line
 * per dimension set on stdout; the awslogs driver ships it and CloudWatch extracts the metrics
 * (no PutMetricData calls, no SDK). It extends InMemoryMetrics, so GET /metrics keeps working.
 *
 * Namespace `Nimbus`, dimensions Stage (NIMBUS_STAGE) and Role — the names the CDK alarms use
 * (infra/stacks/monitoring-stack.ts): MessagesAccepted (Role mx), MessagesDeferred and
 * MessagesBounced (Role mta for the outbound queue, delivery for inbound), AuthFailures (Role
 * submission), SessionsSmtp (Role mx or submission)/SessionsImap/SessionsPop3 (only from nodes
 * running that role, so the per-task Average the scaling policies read is not diluted),
 * QueueDepth and QueueAgeSeconds (with a
 * Queue dimension), S3Requests/SqsRequests. Counters are sent as deltas per interval (Sum).
 */
import { InMemoryMetrics, type CounterName } from '../../ports/metrics';

export const EMF_NAMESPACE = 'Nimbus';

const COUNTERS: Record<CounterName, string> = {
  messages_accepted: 'MessagesAccepted',
  messages_delivered: 'MessagesDelivered',
  messages_deferred: 'MessagesDeferred',
  messages_bounced: 'MessagesBounced',
  auth_failures: 'AuthFailures',
};

/** Session gauges (`sessions` by protocol) and the role whose policy reads them; SMTP: `smtp_sessions`. */
const SESSION_METRICS: Record<string, { name: string; role: string }> = {
  imap: { name: 'SessionsImap', role: 'imap' },
  pop3: { name: 'SessionsPop3', role: 'pop3' },
};

/**
 * Counters a role owns, sent as 0 in an interval without events: an alarm then sees "nothing
 * happened" rather than missing data, which it keeps for "no node reports" (no-mail-accepted).
 */
const OWNED_COUNTERS: Record<string, string[]> = {
  mx: ['MessagesAccepted'],
  submission: ['AuthFailures'],
  delivery: ['MessagesDelivered'],
  mta: ['MessagesDelivered', 'MessagesDeferred', 'MessagesBounced'],
};

const QUEUE_ROLE: Record<string, string> = { inbound: 'delivery', outbound: 'mta' };

export interface EmfOptions {
  stage: string;
  /** The node's roles: a counter without a role label is attributed to the role that produces it. */
  roles: readonly string[];
  intervalMs?: number;
  write?: (line: string) => void;
}

interface Point {
  dims: Record<string, string>;
  name: string;
  unit: 'Count' | 'Seconds' | 'None';
  value: number;
}

export class EmfMetrics extends InMemoryMetrics {
  private readonly last = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly write: (line: string) => void;

  constructor(private readonly options: EmfOptions) {
    super();
    this.write = options.write ?? ((line) => process.stdout.write(line + '\n'));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.flush().catch(() => undefined),
      this.options.intervalMs ?? 60_000,
    );
    this.timer.unref?.();
  }

  /** Stops the timer and writes what is left (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private roleFor(name: string, labels: Record<string, string>): string {
    if (labels.role) return labels.role;
    const has = (role: string) => this.options.roles.includes(role);
    if (labels.queue) return QUEUE_ROLE[labels.queue] ?? labels.queue;
    switch (name) {
      case 'messages_accepted':
        return labels.service ?? (has('mx') || !has('submission') ? 'mx' : 'submission');
      case 'auth_failures':
        return labels.service ?? (has('submission') ? 'submission' : (this.options.roles[0] ?? 'all'));
      default:
        return 'delivery';
    }
  }

  /** Collects the points of this interval (counter deltas, gauge values). */
  async collect(): Promise<Point[]> {
    const points: Point[] = [];
    const stage = this.options.stage;
    for (const [key, total] of this.counters) {
      const delta = total - (this.last.get(key) ?? 0);
      this.last.set(key, total);
      const [name] = key.split('{');
      const labels = parseLabels(key.includes('{') ? key.slice(key.indexOf('{') + 1, -1) : '');
      const metric = COUNTERS[name as CounterName];
      if (!metric || delta === 0) continue;
      points.push({
        dims: { Stage: stage, Role: this.roleFor(name, labels) },
        name: metric,
        unit: 'Count',
        value: delta,
      });
    }
    for (const [name, gauge] of this.gauges) {
      const values = await Promise.resolve(gauge.read()).catch(() => ({}) as Record<string, number>);
      for (const [labelText, value] of Object.entries(values)) {
        const labels = parseLabels(labelText);
        if (name === 'sessions' && SESSION_METRICS[labels.protocol]) {
          // Only from nodes that run the role: zeros from other pools would dilute its Average.
          const m = SESSION_METRICS[labels.protocol];
          if (this.options.roles.includes(m.role))
            points.push({ dims: { Stage: stage, Role: m.role }, name: m.name, unit: 'Count', value });
        } else if (name === 'smtp_sessions' && this.options.roles.includes(labels.role)) {
          points.push({
            dims: { Stage: stage, Role: labels.role },
            name: 'SessionsSmtp',
            unit: 'Count',
            value,
          });
        } else if (name === 'queue_depth' && labels.state === 'ready') {
          const role = QUEUE_ROLE[labels.queue] ?? 'delivery';
          points.push({
            dims: { Stage: stage, Role: role, Queue: labels.queue },
            name: 'QueueDepth',
            unit: 'Count',
            value,
          });
        } else if (name === 'queue_oldest_age_seconds') {
          const role = QUEUE_ROLE[labels.queue] ?? 'delivery';
          points.push({
            dims: { Stage: stage, Role: role, Queue: labels.queue },
            name: 'QueueAgeSeconds',
            unit: 'Seconds',
            value,
          });
        } else if (name === 's3_requests' || name === 'sqs_requests') {
          const delta = value - (this.last.get(name) ?? 0);
          this.last.set(name, value);
          points.push({
            dims: { Stage: stage, Role: this.options.roles.join('+') || 'all' },
            name: name === 's3_requests' ? 'S3Requests' : 'SqsRequests',
            unit: 'Count',
            value: delta,
          });
        }
      }
    }
    for (const [role, names] of Object.entries(OWNED_COUNTERS)) {
      if (!this.options.roles.includes(role)) continue;
      for (const metric of names) {
        if (points.some((p) => p.name === metric && p.dims.Role === role)) continue;
        points.push({ dims: { Stage: stage, Role: role }, name: metric, unit: 'Count', value: 0 });
      }
    }
    return points;
  }

  async flush(now = Date.now()): Promise<void> {
    const groups = new Map<string, Point[]>();
    for (const point of await this.collect()) {
      const key = JSON.stringify(point.dims);
      groups.set(key, [...(groups.get(key) ?? []), point]);
    }
    for (const [key, points] of groups) {
      const dims = JSON.parse(key) as Record<string, string>;
      // At most 100 metrics per document (EMF limit).
      for (let i = 0; i < points.length; i += 100) {
        const chunk = points.slice(i, i + 100);
        const doc: Record<string, unknown> = {
          _aws: {
            Timestamp: now,
            CloudWatchMetrics: [
              {
                Namespace: EMF_NAMESPACE,
                Dimensions: [Object.keys(dims)],
                Metrics: chunk.map((p) => ({ Name: p.name, Unit: p.unit })),
              },
            ],
          },
          ...dims,
        };
        for (const p of chunk) doc[p.name] = p.value;
        this.write(JSON.stringify(doc));
      }
    }
  }
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="([^"]*)"/g)) out[match[1]] = match[2];
  return out;
}
