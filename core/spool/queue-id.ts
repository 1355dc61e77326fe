import { randomBytes } from 'node:crypto';

/** Queue ids sort by time (base-36 milliseconds) and are unique across nodes (random suffix). */
export function newQueueId(now = Date.now()): string {
  return `${now.toString(36).toUpperCase().padStart(9, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
}
