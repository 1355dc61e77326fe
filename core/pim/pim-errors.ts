/** Refusals of the PIM store; the protocol layers map them to their status codes. */
import { DEFAULT_MAX_INSTANCES } from './ical/instances';

export type PimErrorCode =
  'exists' | 'not-found' | 'precondition-failed' | 'uid-conflict' | 'too-large' | 'quota' | 'conflict';

export class PimError extends Error {
  constructor(
    readonly code: PimErrorCode,
    message: string,
    /** uid-conflict: the name of the object that already has the UID. */
    readonly existing?: string,
  ) {
    super(message);
    this.name = 'PimError';
  }
}

export interface PimLimits {
  /** Largest object accepted (CalDAV/CardDAV max-resource-size), bytes. */
  maxResourceSize: number;
  /** Objects per account, all collections together. */
  maxObjectsPerAccount: number;
  /** Change log rows are kept this many days … */
  changeRetentionDays: number;
  /** … and at most this many revisions per collection; older sync tokens are reported truncated. */
  changeRetentionRevisions: number;
  /** Recurrence expansion cap per object and request (queries, expand, free-busy, stored span). */
  maxInstances?: number;
}

export const DEFAULT_PIM_LIMITS: PimLimits & { maxInstances: number } = {
  maxResourceSize: 1024 * 1024,
  maxObjectsPerAccount: 100_000,
  changeRetentionDays: 90,
  changeRetentionRevisions: 10_000,
  maxInstances: DEFAULT_MAX_INSTANCES,
};
