/**
 * Limits for mail the system sends on a user's behalf, which never counts against the user's own
 * sending limits (issue #19): forwarded copies and Sieve redirects per account, auto-replies
 * (vacation, Sieve reject notices) per account, and DSNs per recipient (so a flood of failures
 * cannot turn into backscatter at one address). Per hour, cluster-wide, in the same SQL counters
 * as the guard (scope `system`, key `<kind>:<address>`). 0 means no limit.
 */
import type { SendCounters } from '../ports/send-counters';

export type AutomaticKind = 'forward' | 'auto-reply' | 'dsn';

export interface AutomaticLimitSettings {
  forwardsPerHour: number;
  autoRepliesPerHour: number;
  dsnsPerHour: number;
}

export const DEFAULT_AUTOMATIC_LIMITS: AutomaticLimitSettings = {
  forwardsPerHour: 1000,
  autoRepliesPerHour: 200,
  dsnsPerHour: 100,
};

const LIMIT: Record<AutomaticKind, keyof AutomaticLimitSettings> = {
  forward: 'forwardsPerHour',
  'auto-reply': 'autoRepliesPerHour',
  dsn: 'dsnsPerHour',
};

export class AutomaticLimits {
  constructor(
    private readonly counters: SendCounters,
    private readonly settings: AutomaticLimitSettings = DEFAULT_AUTOMATIC_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Counts one message of `kind` for `address`; false (and nothing counted) past the hour's limit. */
  async admit(kind: AutomaticKind, address: string): Promise<boolean> {
    const limit = this.settings[LIMIT[kind]];
    if (limit <= 0) return true;
    const key = { scope: 'system' as const, key: `${kind}:${address.trim().toLowerCase()}` };
    const { counted } = await this.counters.count([key], [], this.now(), (after) =>
      after.every((w) => w.window !== 'hour' || w.messages <= limit),
    );
    return counted;
  }
}
