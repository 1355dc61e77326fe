/** CalDAV scheduling (RFC 6638): implicit iTIP on calendar changes, local delivery and iMIP (RFC 6047). */
export { implicitSchedule, type CalendarObjectChange, type SchedulingResult } from './implicit';
export { onCalendarObjectChanged, type DavSchedulingContext, type DavObjectChange } from './on-change';
export { applyImipMessage, type ImipOutcome } from './apply-imip';
export { deliverLocally, findByUid, inboxName, type DeliveryOutcome } from './local-delivery';
export { buildImipMail, isItipApplied, itipFromMail, markItipApplied } from './imip-mail';
export { freeBusyResponse, InvalidScheduleRequest, type FreeBusyAnswer } from './outbox-freebusy';
export type { SchedulingDeps, SchedulingStore, LocalAccount, SubmitMail } from './ports';
export { ImipReceiver, mayCarryItip } from './imip-hook';
