/**
 * Bounded recurrence expansion (issue #16). ical.js's RecurIterator.next() loops internally until
 * a candidate passes the contracting BYxxx rules; for a rule that never matches (DTSTART on a
 * Friday with FREQ=DAILY;INTERVAL=7;BYDAY=SU, FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) that loop never
 * ends: a single next() call hangs the node, so a bound on next() calls around it is not enough.
 * Only MONTHLY and YEARLY have their own give-up counters there. We count the loop's steps (one
 * check_contracting_rules call per candidate) on every RecurIterator, process-wide, and end the
 * iterator once it takes too many steps without producing an occurrence (gap bound) or in all
 * (total bound): the rule is then treated as producing no further instances.
 */
import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };

type IcalTime = InstanceType<typeof ICALModule.Time>;

export interface RecurrenceLimits {
  /** Steps one occurrence may take to find (covers DAILY Feb 29: at most ~2,922 days apart). */
  maxGapSteps: number;
  /**
   * Steps per RRULE over the whole expansion. A step costs 25-250 µs (more for far-future dates),
   * so this keeps one object well under a second; a dense legit series cut by it (COUNT=5000 of
   * DAILY;BYDAY=MO needs 35,000) ends early, like one cut by maxInstances.
   */
  maxTotalSteps: number;
}

export const DEFAULT_RECURRENCE_LIMITS: RecurrenceLimits = { maxGapSteps: 4000, maxTotalSteps: 20_000 };

/** Limits for an expansion capped at `maxInstances` occurrences (about 10 steps per occurrence). */
export function limitsForInstances(maxInstances: number | undefined): RecurrenceLimits {
  if (maxInstances === undefined) return DEFAULT_RECURRENCE_LIMITS;
  const total = Math.min(DEFAULT_RECURRENCE_LIMITS.maxTotalSteps, Math.max(10_000, maxInstances * 10));
  return { maxGapSteps: Math.min(DEFAULT_RECURRENCE_LIMITS.maxGapSteps, total), maxTotalSteps: total };
}

export type RecurIterator = InstanceType<typeof ICALModule.RecurIterator>;
interface IteratorSteps {
  gap: number;
  total: number;
  limited: boolean;
}

const steps = new WeakMap<RecurIterator, IteratorSteps>();
let active: RecurrenceLimits = DEFAULT_RECURRENCE_LIMITS;
/** Steps of all the rules of one expansion (several RRULEs share maxTotalSteps); none outside one. */
let shared: { used: number } | null = null;
/** Steps taken by all iterators in this process: lets tests prove a bound without timing. */
let stepCounter = 0;

export function recurrenceStepsTaken(): number {
  return stepCounter;
}

function stateOf(it: RecurIterator): IteratorSteps {
  let s = steps.get(it);
  if (!s) {
    s = { gap: 0, total: 0, limited: false };
    steps.set(it, s);
  }
  return s;
}

/**
 * Runs fn with these limits for every iterator it drives (all of ical.js is synchronous); steps
 * are also counted in `scope`, shared by the calls of one expansion.
 */
export function withRecurrenceLimits<T>(limits: RecurrenceLimits, fn: () => T, scope?: { used: number }): T {
  const saved = [active, shared] as const;
  active = limits;
  shared = scope ?? null;
  try {
    return fn();
  } finally {
    [active, shared] = saved;
  }
}

/** Patches RecurIterator once; ical-lib.ts calls it when it loads ical.js, before any use. */
export function installRecurrenceGuard(ICAL: typeof ICALModule): void {
  const proto = ICAL.RecurIterator.prototype as RecurIterator & { __nimbusGuard?: true };
  if (proto.__nimbusGuard) return;
  proto.__nimbusGuard = true;
  const check = proto.check_contracting_rules;
  const next = proto.next;
  proto.check_contracting_rules = function (this: RecurIterator): boolean {
    const s = stateOf(this);
    if (s.limited) return true; // leave next()'s loop at once; next() below answers null
    const spent = Math.max(s.total, shared?.used ?? 0);
    if (s.gap >= active.maxGapSteps || spent >= active.maxTotalSteps) {
      s.limited = true;
      // Completed iterators are dropped by RecurExpansion, so the candidate is never used.
      this.completed = true;
      return true;
    }
    s.gap++;
    s.total++;
    if (shared) shared.used++;
    stepCounter++;
    return check.call(this);
  };
  proto.next = function (this: RecurIterator, again?: boolean): IcalTime {
    const found = next.call(this, again);
    const s = stateOf(this);
    if (s.limited) return null as unknown as IcalTime; // typed non-null by ical.js, null at the end
    s.gap = 0;
    return found;
  };
}

/** Whether the step bound ended this iterator. */
export function isStepLimited(it: RecurIterator): boolean {
  return steps.get(it)?.limited ?? false;
}
