/**
 * The metrics port. Locally rendered as Prometheus text at GET /metrics; on AWS written as
 * CloudWatch Embedded Metric Format. Names are the same everywhere.
 */
export type CounterName =
  'messages_accepted' | 'messages_delivered' | 'messages_deferred' | 'messages_bounced' | 'auth_failures';

export interface Metrics {
  increment(name: CounterName, by?: number, labels?: Record<string, string>): void;
  /** Registers a gauge read at scrape time (sessions per protocol, queue depth …). */
  gauge(
    name: string,
    help: string,
    read: () => Promise<Record<string, number>> | Record<string, number>,
  ): void;
}

/** Counts in memory; the node's HTTP server renders them. */
export class InMemoryMetrics implements Metrics {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<
    string,
    { help: string; read: () => Promise<Record<string, number>> | Record<string, number> }
  >();

  increment(name: CounterName, by = 1, labels?: Record<string, string>): void {
    const key = labels
      ? `${name}{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`
      : name;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  gauge(
    name: string,
    help: string,
    read: () => Promise<Record<string, number>> | Record<string, number>,
  ): void {
    this.gauges.set(name, { help, read });
  }

  /** Prometheus text exposition format 0.0.4. */
  async render(): Promise<string> {
    const lines: string[] = [];
    const names = new Set([...this.counters.keys()].map((key) => key.split('{')[0]));
    for (const name of names) {
      lines.push(`# TYPE nimbus_${name}_total counter`);
      for (const [key, value] of this.counters) {
        if (key.split('{')[0] !== name) continue;
        const labels = key.includes('{') ? key.slice(key.indexOf('{')) : '';
        lines.push(`nimbus_${name}_total${labels} ${value}`);
      }
    }
    for (const [name, gauge] of this.gauges) {
      lines.push(`# HELP nimbus_${name} ${gauge.help}`, `# TYPE nimbus_${name} gauge`);
      const values = await gauge.read();
      for (const [label, value] of Object.entries(values)) {
        lines.push(label ? `nimbus_${name}{${label}} ${value}` : `nimbus_${name} ${value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}
