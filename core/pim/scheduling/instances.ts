/**
 * Scheduling per instance of a recurring event (RFC 6638 §3.2.2, RFC 5546 §3.2.3): which
 * components (master, RECURRENCE-ID overrides) an attendee answered differently, and on the
 * organizer's side, the override an answer to a single occurrence needs when there is none yet.
 */
import ICAL, { type IcalComponent, type IcalTime } from '../ical/ical-lib';
import { expandInstances } from '../ical/instances';
import { epochMs } from '../ical/time-values';
import { attendeeProperty, scheduledComponents } from './itip';

/** How many occurrences are looked through to find the one an answer is for. */
export const MAX_REPLY_EXPANSION = 5000;

/**
 * The instance a component is for: '' for the master, else its RECURRENCE-ID as an instant (so a
 * UTC RECURRENCE-ID in a reply finds the organizer's TZID one). Floating and DATE values read in UTC.
 */
export function recurrenceKey(c: IcalComponent): string {
  const id = c.getFirstPropertyValue('recurrence-id') as IcalTime | null;
  if (!id || typeof id !== 'object' || typeof id.toUnixTime !== 'function') return id ? String(id) : '';
  return `${id.isDate ? 'D' : 'T'}${epochMs(id, null)}`;
}

export function componentsByKey(vcalendar: IcalComponent | null): Map<string, IcalComponent> {
  const map = new Map<string, IcalComponent>();
  if (vcalendar) for (const c of scheduledComponents(vcalendar)) map.set(recurrenceKey(c), c);
  return map;
}

function partstatOf(c: IcalComponent | undefined, me: string): string | null {
  const p = c ? attendeeProperty(c, me) : null;
  return p ? String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase() : null;
}

/**
 * The answers of `me` that changed, by recurrence key: a component compares with the same one
 * before, and an override that is new compares with the master before (the answer that instance
 * had). NEEDS-ACTION is no answer and sends nothing.
 */
export function changedAnswers(
  before: IcalComponent | null,
  after: IcalComponent,
  me: string,
): Map<string, string> {
  const was = componentsByKey(before);
  const changes = new Map<string, string>();
  for (const [key, component] of componentsByKey(after)) {
    const is = partstatOf(component, me);
    if (!is || is === 'NEEDS-ACTION') continue;
    const previous = before ? partstatOf(was.get(key) ?? was.get(''), me) : null;
    if (is !== previous) changes.set(key, is);
  }
  return changes;
}

/** The recurring master's occurrence at `recurrenceId`, or null when the series has no such date. */
function occurrence(master: IcalComponent, recurrenceId: IcalTime): IcalTime | null {
  const target = epochMs(recurrenceId, null);
  const { instances } = expandInstances(master, [], {
    untilMs: target,
    maxInstances: MAX_REPLY_EXPANSION,
    floatingZone: null,
  });
  const found = instances.find((i) => i.recurrenceId && epochMs(i.recurrenceId, null) === target);
  return found?.recurrenceId ?? null;
}

function setTime(c: IcalComponent, name: string, time: IcalTime): void {
  c.removeAllProperties(name);
  const p = c.addPropertyWithValue(name, time);
  const tzid = time.zone?.tzid;
  if (!time.isDate && tzid && tzid !== 'UTC' && tzid !== 'floating') p.setParameter('tzid', tzid);
}

/**
 * A new override of the organizer's series for the occurrence `recurrenceId`: the master's
 * content at that date, without the rule (RFC 5545 §3.8.4.4). Null when the master does not
 * recur or the date is not one of its occurrences (an answer for an instance that doesn't exist).
 */
export function overrideFromMaster(master: IcalComponent, recurrenceId: IcalTime): IcalComponent | null {
  if (!master.hasProperty('rrule') && !master.hasProperty('rdate')) return null;
  const start = occurrence(master, recurrenceId);
  const masterStart = master.getFirstPropertyValue('dtstart') as IcalTime | null;
  if (!start || !masterStart) return null;
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(master.toJSON())) as unknown[]);
  for (const name of ['rrule', 'rdate', 'exdate', 'exrule']) copy.removeAllProperties(name);
  const endName = copy.name === 'vtodo' ? 'due' : 'dtend';
  const end = copy.getFirstPropertyValue(endName) as IcalTime | null;
  if (end) {
    const shifted = start.clone();
    shifted.addDuration(end.subtractDate(masterStart));
    setTime(copy, endName, shifted);
  }
  setTime(copy, 'dtstart', start);
  setTime(copy, 'recurrence-id', start);
  return copy;
}

function exdateKeys(master: IcalComponent | undefined): Map<string, IcalTime> {
  const keys = new Map<string, IcalTime>();
  for (const p of master?.getAllProperties('exdate') ?? []) {
    for (const value of p.getValues() as IcalTime[]) {
      if (value && typeof value === 'object' && typeof value.toUnixTime === 'function')
        keys.set(`${value.isDate ? 'D' : 'T'}${epochMs(value, null)}`, value);
    }
  }
  return keys;
}

/**
 * The instances `me` removed from their copy with a new EXDATE (RFC 6638 §3.2.2.x: an attendee
 * deleting an occurrence declines it): each as an override carrying `me` DECLINED, taken from the
 * override before or made from the master before; none for an instance already declined.
 */
export function removedInstances(
  before: IcalComponent | null,
  after: IcalComponent,
  me: string,
): IcalComponent[] {
  if (!before) return [];
  const was = componentsByKey(before);
  const master = was.get('');
  const known = exdateKeys(master);
  const removed: IcalComponent[] = [];
  for (const [key, time] of exdateKeys(componentsByKey(after).get(''))) {
    if (known.has(key)) continue;
    const previous = was.get(key);
    const instance = previous
      ? new ICAL.Component(JSON.parse(JSON.stringify(previous.toJSON())) as unknown[])
      : master && overrideFromMaster(master, time);
    const mine = instance ? attendeeProperty(instance, me) : null;
    if (!instance || !mine || String(mine.getParameter('partstat') ?? '').toUpperCase() === 'DECLINED')
      continue;
    mine.setParameter('partstat', 'DECLINED');
    removed.push(instance);
  }
  return removed;
}
