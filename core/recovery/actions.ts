import type { Action } from './types';

/** The idempotency key of an action: same key within the cooldown → not repeated. */
export function actionKey(action: Action): string {
  switch (action.kind) {
    case 'replace-task':
      return `replace-task:${action.service}:${action.taskId}`;
    case 'scale-out':
    case 'scale-in':
      return `${action.kind}:${action.service}`;
    case 'redeploy-service':
      return `redeploy-service:${action.service}`;
    case 'mark-node-dead':
      return `mark-node-dead:${action.nodeId}`;
    case 'redrive-dead-letters':
      return `redrive-dead-letters:${action.queue}`;
    case 'page-human':
      return `page-human:${action.dedupeKey}`;
  }
}

/** An action in words, for pages and logs. */
export function describe(action: Action): string {
  switch (action.kind) {
    case 'replace-task':
      return `replace task ${action.taskId} of ${action.service}`;
    case 'scale-out':
      return `scale-out ${action.service}: minimum ${action.minCapacity} (desired was ${action.fromCount})`;
    case 'scale-in':
      return `scale-in ${action.service}: minimum back to ${action.minCapacity}`;
    case 'redeploy-service':
      return `redeploy ${action.service}`;
    case 'mark-node-dead':
      return `mark node ${action.nodeId} dead`;
    case 'redrive-dead-letters':
      return `redrive dead letters of ${action.queue}`;
    case 'page-human':
      return `page (${action.severity}): ${action.subject}`;
  }
}
