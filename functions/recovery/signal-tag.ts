/**
 * How an alarm tells the recovery function what it means: the last line of the alarm description
 * is `nimbus-signal: {json}`. Written by infra/stacks/monitoring-stack.ts, read by events.ts.
 */
import type { SignalKind } from '../../core/recovery/types';

export interface SignalTag {
  readonly kind: SignalKind;
  readonly service?: string;
  readonly role?: string;
  readonly queue?: string;
  /** Target group ARN, for target-unhealthy alarms: the function looks up which tasks fail. */
  readonly targetGroupArn?: string;
}

const PREFIX = 'nimbus-signal: ';

export function formatSignalTag(humanText: string, tag: SignalTag): string {
  return `${humanText}\n${PREFIX}${JSON.stringify(tag)}`;
}

export function parseSignalTag(description: string | undefined): SignalTag | undefined {
  if (!description) return undefined;
  const line = description.split('\n').find((l) => l.startsWith(PREFIX));
  if (!line) return undefined;
  try {
    const parsed = JSON.parse(line.slice(PREFIX.length)) as Partial<SignalTag>;
    return typeof parsed.kind === 'string' ? (parsed as SignalTag) : undefined;
  } catch {
    return undefined;
  }
}
