/**
 * The one way the project walks a recurrence set: ical.js's RecurExpansion under the step bound
 * of recurrence-steps.ts (issue #16), never throwing.
 */
import ICAL, { type IcalComponent, type IcalTime } from './ical-lib';
import {
  DEFAULT_RECURRENCE_LIMITS,
  isStepLimited,
  withRecurrenceLimits,
  type RecurIterator,
  type RecurrenceLimits,
} from './recurrence-steps';

export { limitsForInstances, DEFAULT_RECURRENCE_LIMITS, type RecurrenceLimits } from './recurrence-steps';

/**
 * The occurrences of a component's RRULE/RDATE/EXDATE set from dtstart, in order, under a step
 * bound. next() answers null at the end of the series, when the bound ended it (stepLimited),
 * or when ical.js gives up on the rule (failed: e.g. 500 EXDATEs in a row, a malformed BYxxx).
 */
export class GuardedExpansion {
  stepLimited = false;
  failed = false;
  private readonly expansion: InstanceType<typeof ICAL.RecurExpansion> | null;
  private readonly iterators: RecurIterator[] = [];
  /** Steps of all this expansion's rules: several RRULEs share one maxTotalSteps. */
  private readonly steps = { used: 0 };

  constructor(
    component: IcalComponent,
    dtstart: IcalTime,
    private readonly limits: RecurrenceLimits = DEFAULT_RECURRENCE_LIMITS,
  ) {
    // The constructor already steps each rule once (RecurExpansion._init).
    this.expansion = this.guard(() => {
      const e = new ICAL.RecurExpansion({ component, dtstart });
      // Keep our own list: RecurExpansion drops completed iterators from its own.
      this.iterators.push(...(e as unknown as { ruleIterators: RecurIterator[] }).ruleIterators);
      return e;
    });
  }

  next(): IcalTime | null {
    const e = this.expansion;
    if (!e || this.failed) return null;
    return this.guard(() => (e.next() as IcalTime | null) ?? null);
  }

  private guard<T>(fn: () => T): T | null {
    try {
      return withRecurrenceLimits(this.limits, fn, this.steps);
    } catch {
      this.failed = true;
      return null;
    } finally {
      if (this.iterators.some(isStepLimited)) this.stepLimited = true;
    }
  }
}
