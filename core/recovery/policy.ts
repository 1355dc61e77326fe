import type { RecoveryPolicy } from './types';

export const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_POLICY: RecoveryPolicy = {
  cooldownMs: {
    'replace-task': 15 * MINUTE,
    'scale-out': 10 * MINUTE,
    'scale-in': 30 * MINUTE,
    // One forced redeployment per service in two hours: a second outage pages instead.
    'redeploy-service': 2 * HOUR,
    'mark-node-dead': HOUR,
    'redrive-dead-letters': 6 * HOUR,
    'page-human': HOUR,
  },
  maxDisruptiveActions: 6,
  windowMs: 15 * MINUTE,
  scaleStep: 2,
  maxUnhealthyFraction: 0.5,
  replacementLoopCount: 3,
  replacementLoopMs: 30 * MINUTE,
  redriveQuietMs: 15 * MINUTE,
  signalMaxAgeMs: 24 * HOUR,
  heartbeatMaxAgeMs: HOUR,
};
