/**
 * The run's outcome as a CloudWatch Embedded Metric Format line (Lambda ships stdout to Logs,
 * which extracts the metrics): CertificateDaysLeft drives the expiry alarm, CertificateRenewed
 * counts renewals. Namespace and Stage dimension are the nodes' (core/adapters/aws/emf-metrics.ts).
 */
import type { RenewResult } from './renew';

export function renewalMetricLine(stage: string, result: RenewResult, now = Date.now()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: 'Nimbus',
          Dimensions: [['Stage']],
          Metrics: [
            { Name: 'CertificateDaysLeft', Unit: 'Count' },
            { Name: 'CertificateRenewed', Unit: 'Count' },
          ],
        },
      ],
    },
    Stage: stage,
    CertificateDaysLeft: result.daysLeft,
    CertificateRenewed: result.renewed ? 1 : 0,
    msg: 'acme renewal',
    renewed: result.renewed,
    reason: result.reason,
    notAfter: result.notAfter,
    fingerprint: result.fingerprint,
    version: result.version,
  });
}
