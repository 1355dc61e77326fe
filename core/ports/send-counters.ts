/**
 * The send-counter port (issue #19): counts of submitted messages and distinct recipients per
 * scope and time bucket, shared by every node of the cluster (so a limit holds cluster-wide).
 * The SQL implementation is core/outbound/sql-send-counters.ts.
 */
export type CounterScope = 'user' | 'domain' | 'ip' | 'system' | 'login';
/** Fixed buckets: 'burst' is 10 minutes, 'hour' and 'day' what they say (UTC). */
export type CounterWindow = 'burst' | 'hour' | 'day';
export const COUNTER_WINDOWS: readonly CounterWindow[] = ['burst', 'hour', 'day'];
export const WINDOW_SECONDS: Record<CounterWindow, number> = { burst: 600, hour: 3600, day: 86_400 };

export interface CounterKey {
  scope: CounterScope;
  key: string;
}

export interface WindowCount extends CounterKey {
  window: CounterWindow;
  messages: number;
  /** Distinct recipients (or distinct values for noteDistinct) in the bucket. */
  recipients: number;
  /** In count()'s result: the recipients this message added to the bucket. */
  added?: number;
}

export interface SendCounters {
  /** The current buckets of `keys` in every window (absent buckets count 0). */
  read(keys: CounterKey[], at: Date): Promise<WindowCount[]>;
  /**
   * Counts one message to `recipients` for every key in every window, atomically: `admit` sees
   * the counts as they would be after, and when it says false nothing is counted.
   */
  count(
    keys: CounterKey[],
    recipients: string[],
    at: Date,
    admit: (after: WindowCount[]) => boolean,
  ): Promise<{ counted: boolean; after: WindowCount[] }>;
  /** Records `value` for `key` in `window`; the number of distinct values there afterwards. */
  noteDistinct(key: CounterKey, window: CounterWindow, value: string, at: Date): Promise<number>;
  /** Deletes buckets (of every window) that started more than a day before `before`. */
  prune(before: Date): Promise<number>;
}

export function bucketStart(window: CounterWindow, at: Date): number {
  const size = WINDOW_SECONDS[window];
  return Math.floor(at.getTime() / 1000 / size) * size;
}
