import { splitMessage, firstField } from '../posting/header-block';
import { parseDsn, type DsnRecipientReport } from './dsn-parse';

export type BounceKind = 'hard' | 'soft' | 'ignore';

export interface BounceVerdict {
  kind: BounceKind;
  /** Recipients the report names (to find the member when the bounce came without VERP). */
  recipients: string[];
}

/**
 * Hard or soft, as Mailman scores them: a DSN with a failed 5.x.x recipient is hard, a failed
 * 4.x.x (a remote MTA giving up on a temporary error) soft; delay warnings and success reports
 * are no bounces; vacation answers (Auto-Submitted: auto-replied, RFC 3834) are ignored. A message
 * to a VERP address that is no DSN still tells us the copy did not arrive: soft.
 */
export function classifyBounce(message: Buffer): BounceVerdict {
  const reports = parseDsn(message);
  if (!reports) {
    const auto = (firstField(splitMessage(message).fields, 'auto-submitted') ?? '').toLowerCase();
    return { kind: auto.startsWith('auto-replied') ? 'ignore' : 'soft', recipients: [] };
  }
  const failed = reports.filter(
    (r) => r.action === 'failed' || (r.action === '' && r.status.startsWith('5')),
  );
  const recipients = failed.map((r) => r.address).filter((a): a is string => !!a);
  if (failed.length === 0) return { kind: 'ignore', recipients: [] };
  return { kind: failed.some(isHard) ? 'hard' : 'soft', recipients };
}

function isHard(report: DsnRecipientReport): boolean {
  return report.status === '' || report.status.startsWith('5');
}
