import type { InMemoryMetrics } from '../../core/ports/metrics';
import { QUEUE_NAMES } from '../../core/ports/spool';
import type { Storage } from './storage';

/** Monitoring the original product showed per node: sessions per protocol, queue depth, CPU and memory. */
export function registerGauges(
  metrics: InMemoryMetrics,
  storage: Storage,
  sessions: () => Record<string, number>,
  /** Open SMTP sessions per listener role (mx, submission): each role scales on its own. */
  smtpSessions: () => Record<string, number> = () => ({}),
): void {
  metrics.gauge('sessions', 'Open client sessions per protocol', () =>
    Object.fromEntries(Object.entries(sessions()).map(([protocol, n]) => [`protocol="${protocol}"`, n])),
  );
  metrics.gauge('smtp_sessions', 'Open SMTP sessions per listener role', () =>
    Object.fromEntries(Object.entries(smtpSessions()).map(([role, n]) => [`role="${role}"`, n])),
  );
  metrics.gauge('queue_depth', 'Spool jobs per queue and state', async () => {
    const out: Record<string, number> = {};
    for (const queue of QUEUE_NAMES) {
      const depth = await storage.spool.depth(queue);
      out[`queue="${queue}",state="ready"`] = depth.ready;
      out[`queue="${queue}",state="leased"`] = depth.leased;
      out[`queue="${queue}",state="dead"`] = depth.dead;
    }
    return out;
  });
  metrics.gauge('queue_oldest_age_seconds', 'Age of the oldest live job per queue', async () => {
    const out: Record<string, number> = {};
    for (const queue of QUEUE_NAMES)
      out[`queue="${queue}"`] = (await storage.spool.depth(queue)).oldestAgeSeconds;
    return out;
  });
  const aws = storage.awsRequests;
  if (aws) {
    // Every HTTP request to S3 / SQS (retries included), for cost per message (bench, docs/cost.md).
    metrics.gauge('s3_requests', 'Requests sent to S3 since start', () => ({ '': aws.total.s3 }));
    metrics.gauge('sqs_requests', 'Requests sent to SQS since start', () => ({ '': aws.total.sqs }));
  }
  metrics.gauge('process_resident_memory_bytes', 'Resident set size', () => ({
    '': process.memoryUsage().rss,
  }));
  metrics.gauge('process_cpu_seconds', 'CPU time used, user plus system', () => {
    const usage = process.cpuUsage();
    return { '': (usage.user + usage.system) / 1e6 };
  });
}
