/**
 * The instances of a calendar object: the master's occurrences (RRULE, RDATE, minus EXDATE, in the
 * time zone of its DTSTART) with overridden instances (RECURRENCE-ID) in their place. Expansion is
 * bounded: at most `maxInstances` occurrences are generated, so a hostile RRULE (FREQ=SECONDLY
 * without end) costs a bounded amount of work, and the search for each occurrence is step-bounded
 * (recurrence-guard.ts), so a rule that never matches cannot hang the node (issue #16).
 */
import ICAL, { type IcalComponent, type IcalDuration, type IcalTime, type IcalTimezone } from './ical-lib';
import { GuardedExpansion, limitsForInstances, type RecurrenceLimits } from './recurrence-guard';
import { epochMs } from './time-values';

/** Default cap on generated occurrences per object and evaluation. */
export const DEFAULT_MAX_INSTANCES = 5000;

export interface Instance {
  /** The component that describes this instance: the master, or the override. */
  component: IcalComponent;
  /** RECURRENCE-ID of the instance (null for a non-recurring object). */
  recurrenceId: IcalTime | null;
  /** The instance's DTSTART (shifted for a master occurrence); null when the component has none. */
  start: IcalTime | null;
  /** DTEND (VEVENT, VFREEBUSY) or DUE (VTODO), shifted like start; null when absent. */
  end: IcalTime | null;
  /** DURATION, when the component gives one instead of DTEND/DUE. */
  duration: IcalDuration | null;
}

export interface ExpandOptions {
  /** Stop once occurrences start after this instant (ms); overrides are always included. */
  untilMs?: number;
  maxInstances?: number;
  /** Step bounds of the occurrence search; derived from maxInstances when absent. */
  recurrenceLimits?: RecurrenceLimits;
  floatingZone: IcalTimezone | null;
}

export interface Expansion {
  instances: Instance[];
  /** False when the cap stopped the expansion before the series (or untilMs) ended. */
  complete: boolean;
  /** True when the series has no end (RRULE without COUNT/UNTIL). */
  unbounded: boolean;
  /**
   * True when a rule took too many steps to find its next occurrence: it is treated as producing
   * no further instances (complete stays true), the same way at PUT and at every query.
   */
  stepLimited: boolean;
}

function endProperty(c: IcalComponent): 'dtend' | 'due' {
  return c.name === 'vtodo' ? 'due' : 'dtend';
}

/** The instance a component describes on its own (an override, or a non-recurring master). */
export function ownInstance(c: IcalComponent): Instance {
  return {
    component: c,
    recurrenceId: (c.getFirstPropertyValue('recurrence-id') as IcalTime | null) ?? null,
    start: (c.getFirstPropertyValue('dtstart') as IcalTime | null) ?? null,
    end: (c.getFirstPropertyValue(endProperty(c)) as IcalTime | null) ?? null,
    duration: (c.getFirstPropertyValue('duration') as IcalDuration | null) ?? null,
  };
}

export function isRecurring(c: IcalComponent): boolean {
  return c.hasProperty('rrule') || c.hasProperty('rdate');
}

export function isUnbounded(c: IcalComponent): boolean {
  return c.getAllProperties('rrule').some((p) => {
    const recur = p.getFirstValue() as InstanceType<typeof ICAL.Recur>;
    return !recur.count && !recur.until;
  });
}

export function expandInstances(
  master: IcalComponent | null,
  overrides: IcalComponent[],
  options: ExpandOptions,
): Expansion {
  if (!master)
    return { instances: overrides.map(ownInstance), complete: true, unbounded: false, stepLimited: false };
  const base = ownInstance(master);
  if (!isRecurring(master) || !base.start) {
    return {
      instances: [base, ...overrides.map(ownInstance)],
      complete: true,
      unbounded: false,
      stepLimited: false,
    };
  }
  const zone = options.floatingZone;
  const byRecurrenceId = new Map<number, IcalComponent>();
  for (const o of overrides) {
    const id = o.getFirstPropertyValue('recurrence-id') as IcalTime;
    byRecurrenceId.set(epochMs(id, zone), o);
  }
  const max = options.maxInstances ?? DEFAULT_MAX_INSTANCES;
  const span = base.end ? base.end.subtractDate(base.start) : null;
  const limits = options.recurrenceLimits ?? limitsForInstances(max);
  const expansion = new GuardedExpansion(master, base.start, limits);
  const instances: Instance[] = [];
  let complete = true;
  for (let count = 0; ; count++) {
    const occurrence = expansion.next();
    if (!occurrence) {
      // ical.js gave up on a rule it can't satisfy (e.g. 500 EXDATEs in a row): not a known end.
      if (expansion.failed) complete = false;
      break;
    }
    const at = epochMs(occurrence, zone);
    if (options.untilMs !== undefined && at > options.untilMs) break;
    if (count >= max) {
      complete = false;
      break;
    }
    const override = byRecurrenceId.get(at);
    if (override) {
      instances.push(ownInstance(override));
      byRecurrenceId.delete(at);
      continue;
    }
    const start = occurrence.clone();
    const end = span ? occurrence.clone() : null;
    if (end && span) end.addDuration(span);
    instances.push({ component: master, recurrenceId: start, start, end, duration: base.duration });
  }
  // Overrides past the bound (or of dates the rule doesn't produce) are instances all the same.
  for (const o of byRecurrenceId.values()) instances.push(ownInstance(o));
  return { instances, complete, unbounded: isUnbounded(master), stepLimited: expansion.stepLimited };
}
