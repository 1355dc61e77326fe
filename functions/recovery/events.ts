import { HEARTBEAT_MISSING_EVENT } from '../../core/recovery/cluster-event';
import type { Signal } from '../../core/recovery/types';
import { parseSignalTag } from './signal-tag';

/** The EventBridge events the recovery function is subscribed to. */
export interface RecoveryEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time?: string;
  readonly resources?: readonly string[];
  readonly detail?: Record<string, unknown>;
}

/** A signal plus what is needed to pin it to tasks (target-unhealthy alarms name a target group). */
export interface RawSignal extends Signal {
  readonly targetGroupArn?: string;
}

export const HEARTBEAT_EVENT = HEARTBEAT_MISSING_EVENT;

interface AlarmDetail {
  alarmName?: string;
  state?: { value?: string; timestamp?: string; reason?: string };
  configuration?: { description?: string };
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Maps one event to signals; a scheduled tick (or anything unknown) yields none. */
export function eventToSignals(event: RecoveryEvent, now: number): RawSignal[] {
  const at = parseTime(event.time) ?? now;
  if (event.source === 'aws.cloudwatch' && event['detail-type'] === 'CloudWatch Alarm State Change') {
    const detail = (event.detail ?? {}) as AlarmDetail;
    const alarmName = str(detail.alarmName);
    const state = detail.state?.value;
    if (!alarmName || (state !== 'ALARM' && state !== 'OK')) return []; // INSUFFICIENT_DATA: no opinion
    const tag = parseSignalTag(detail.configuration?.description) ?? { kind: 'alarm' as const };
    return [
      {
        kind: tag.kind,
        state: state === 'ALARM' ? 'firing' : 'resolved',
        at: parseTime(detail.state?.timestamp) ?? at,
        source: alarmName,
        service: tag.service,
        role: tag.role,
        queue: tag.queue,
        targetGroupArn: tag.targetGroupArn,
        value: firstNumber(detail.state?.reason),
        message: detail.state?.reason,
      },
    ];
  }
  if (event.source === HEARTBEAT_EVENT.source && event['detail-type'] === HEARTBEAT_EVENT.detailType) {
    const detail = event.detail ?? {};
    const nodeId = str(detail.nodeId);
    const taskArn = str(detail.taskArn);
    if (!nodeId && !taskArn) return [];
    return [
      {
        kind: 'heartbeat-missing',
        state: 'firing',
        at,
        source: `heartbeat/${nodeId ?? taskArn}`,
        nodeId,
        taskId: taskArn?.split('/').pop(),
        service: str(detail.service),
        role: str(detail.role) ?? firstString(detail.roles),
        message: `node ${nodeId ?? '?'} missed its heartbeat (last ${str(detail.lastHeartbeatAt) ?? 'unknown'})`,
      },
    ];
  }
  return [];
}

function firstString(value: unknown): string | undefined {
  return Array.isArray(value) ? str(value[0]) : undefined;
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** CloudWatch reasons read "… [12.0 (28/11/25 10:00:00)] was greater than …": the first datapoint. */
function firstNumber(reason: string | undefined): number | undefined {
  const match = reason?.match(/\[(-?\d+(?:\.\d+)?)/);
  return match ? Number(match[1]) : undefined;
}
