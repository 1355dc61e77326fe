/**
 * One occurrence of a recurring meeting (MeetingResponse InstanceId): the override component
 * with that RECURRENCE-ID, made from the master when there is none yet (RFC 5545 §3.8.4.4), so an
 * answer for one occurrence changes only that occurrence.
 */
import ICAL, { type IcalComponent } from '../../pim/ical/ical-lib';
import { GuardedExpansion } from '../../pim/ical/recurrence-guard';
import { scheduledComponents } from '../../pim/scheduling/itip';

/** Occurrences looked at before giving up on finding the instance (open-ended series). */
const MAX_OCCURRENCES = 10_000;

export function occurrenceComponent(vcalendar: IcalComponent, instance: Date): IcalComponent | null {
  const components = scheduledComponents(vcalendar);
  const at = instance.getTime();
  const existing = components.find((c) => {
    const id = c.getFirstPropertyValue('recurrence-id');
    return id instanceof ICAL.Time && id.toJSDate().getTime() === at;
  });
  if (existing) return existing;
  const master = components.find((c) => !c.hasProperty('recurrence-id'));
  if (!master || !master.hasProperty('rrule')) return null;
  const event = new ICAL.Event(master);
  // Step-bounded (issue #16): a rule that never matches ends the walk instead of hanging it.
  const iterator = new GuardedExpansion(master, event.startDate);
  for (let i = 0; i < MAX_OCCURRENCES; i++) {
    const next = iterator.next();
    if (!next) return null;
    const time = next.toJSDate().getTime();
    if (time > at) return null;
    if (time < at) continue;
    const details = event.getOccurrenceDetails(next);
    const override = new ICAL.Component(JSON.parse(JSON.stringify(master.toJSON())) as unknown[]);
    for (const name of ['rrule', 'rdate', 'exdate', 'dtstart', 'dtend', 'duration'])
      override.removeAllProperties(name);
    override.addPropertyWithValue('recurrence-id', next);
    override.addPropertyWithValue('dtstart', details.startDate);
    override.addPropertyWithValue('dtend', details.endDate);
    vcalendar.addSubcomponent(override);
    return override;
  }
  return null;
}
