/**
 * iTIP messages (RFC 5546) made from a stored calendar object: REQUEST and CANCEL from the
 * organizer, REPLY from an attendee, and the participants they are for. The SCHEDULE-* parameters
 * of RFC 6638 are server business and are removed from what is sent (§3.2.1, §3.2.2).
 */
import ICAL, { type IcalComponent, type IcalProperty } from '../ical/ical-lib';
import { mailtoAddress } from './ports';

export type ItipMethod = 'REQUEST' | 'CANCEL' | 'REPLY';

export interface Attendee {
  address: string;
  partstat: string;
  /** SCHEDULE-AGENT: only SERVER (the default) is ours to deliver (RFC 6638 §7.1). */
  serverScheduled: boolean;
}

export interface Participants {
  uid: string;
  organizer: string | null;
  attendees: Attendee[];
  summary: string;
}

const RECURRING = ['vevent', 'vtodo', 'vjournal'];

export function scheduledComponents(vcalendar: IcalComponent): IcalComponent[] {
  return vcalendar.getAllSubcomponents().filter((c) => RECURRING.includes(c.name));
}

export function parseCalendarText(ics: string): IcalComponent {
  return new ICAL.Component(ICAL.parse(ics));
}

/** Organizer and attendees across the master and its overrides (an attendee once, master's PARTSTAT first). */
export function participants(vcalendar: IcalComponent): Participants {
  const components = scheduledComponents(vcalendar);
  const master = components.find((c) => !c.hasProperty('recurrence-id')) ?? components[0];
  const attendees = new Map<string, Attendee>();
  for (const c of master ? [master, ...components.filter((x) => x !== master)] : []) {
    for (const p of c.getAllProperties('attendee')) {
      const address = mailtoAddress(p.getFirstValue());
      if (!address || attendees.has(address)) continue;
      const agent = String(p.getParameter('schedule-agent') ?? 'SERVER').toUpperCase();
      attendees.set(address, {
        address,
        partstat: String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase(),
        serverScheduled: agent === 'SERVER',
      });
    }
  }
  return {
    uid: String(master?.getFirstPropertyValue('uid') ?? ''),
    organizer: master ? mailtoAddress(master.getFirstPropertyValue('organizer')) : null,
    attendees: [...attendees.values()],
    summary: String(master?.getFirstPropertyValue('summary') ?? ''),
  };
}

export function attendeeProperty(c: IcalComponent, address: string): IcalProperty | null {
  return c.getAllProperties('attendee').find((p) => mailtoAddress(p.getFirstValue()) === address) ?? null;
}

function stripScheduleParameters(c: IcalComponent): void {
  for (const name of ['attendee', 'organizer']) {
    for (const p of c.getAllProperties(name)) {
      for (const param of ['schedule-agent', 'schedule-status', 'schedule-force-send'])
        p.removeParameter(param);
    }
  }
}

function withMethod(vcalendar: IcalComponent, method: ItipMethod): IcalComponent {
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(vcalendar.toJSON())) as unknown[]);
  copy.removeAllProperties('method');
  copy.addPropertyWithValue('method', method);
  if (!copy.hasProperty('prodid')) copy.addPropertyWithValue('prodid', '-//Nimbus Mail//CalDAV//EN');
  if (!copy.hasProperty('version')) copy.addPropertyWithValue('version', '2.0');
  return copy;
}

function setStamp(c: IcalComponent, now: Date): void {
  c.removeAllProperties('dtstamp');
  c.addPropertyWithValue(
    'dtstamp',
    ICAL.Time.fromJSDate(new Date(Math.floor(now.getTime() / 1000) * 1000), true),
  );
}

/** REQUEST (the whole object) or CANCEL (every component STATUS:CANCELLED) from the organizer. */
export function organizerMessage(vcalendar: IcalComponent, method: 'REQUEST' | 'CANCEL', now: Date): string {
  const message = withMethod(vcalendar, method);
  for (const c of scheduledComponents(message)) {
    stripScheduleParameters(c);
    setStamp(c, now);
    if (method === 'CANCEL') {
      c.removeAllProperties('status');
      c.addPropertyWithValue('status', 'CANCELLED');
    }
  }
  return message.toString() + '\r\n';
}

/**
 * REPLY of one attendee: each component they attend, with only their ATTENDEE (RFC 5546 §3.2.3).
 * `partstat`: one answer for every component, or per component (null leaves it out of the reply,
 * so a reply carries only the instances whose answer changed).
 */
export function replyMessage(
  vcalendar: IcalComponent,
  attendee: string,
  now: Date,
  partstat?: string | ((c: IcalComponent) => string | null),
): string {
  const message = withMethod(vcalendar, 'REPLY');
  for (const c of scheduledComponents(message)) {
    const mine = attendeeProperty(c, attendee);
    const answer = typeof partstat === 'function' ? partstat(c) : partstat;
    if (!mine || answer === null) {
      message.removeSubcomponent(c);
      continue;
    }
    for (const p of c.getAllProperties('attendee')) if (p !== mine) c.removeProperty(p);
    for (const name of ['rrule', 'rdate', 'exdate']) c.removeAllProperties(name);
    c.removeAllSubcomponents('valarm');
    if (answer) mine.setParameter('partstat', answer);
    stripScheduleParameters(c);
    setStamp(c, now);
  }
  return message.toString() + '\r\n';
}

/** Text that differs only when the organizer changed something an attendee must hear about. */
export function significantContent(vcalendar: IcalComponent): string {
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(vcalendar.toJSON())) as unknown[]);
  for (const c of scheduledComponents(copy)) {
    for (const name of ['dtstamp', 'last-modified', 'sequence', 'attendee']) c.removeAllProperties(name);
    c.removeAllSubcomponents('valarm');
  }
  return copy.toString();
}
