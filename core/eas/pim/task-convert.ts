/**
 * Tasks class (MS-ASTASK §2.2.2) ↔ iCalendar VTODO: Subject, Body, Complete/DateCompleted
 * (STATUS:COMPLETED, COMPLETED), DueDate/UtcDueDate (DUE), StartDate/UtcStartDate (DTSTART),
 * Importance (PRIORITY), ReminderSet/ReminderTime (an absolute VALARM), Sensitivity, Categories
 * and a simple Recurrence. DueDate/StartDate are the local wall time written as if UTC; a DATE
 * (all-day) due date is midnight in both.
 */
import { randomUUID } from 'node:crypto';
import ICAL, { type IcalComponent, type IcalTime } from '../../pim/ical/ical-lib';
import { parseVcalendar } from '../../pim/ical/parse-calendar';
import { timezoneFromText } from '../../pim/ical/time-values';
import type { ProtocolVersion } from '../protocol';
import type { BodyPreference } from '../sync/item-source';
import { child, el, type EasElement } from '../wbxml/tree';
import { CLASS_OF_SENSITIVITY, instant, sensitivityOf, timeIn } from './calendar-fields';
import { categoriesOfComponent } from './calendar-export';
import { newVcalendar, setCategories, setText, setTime } from './calendar-import';
import {
  bodyElement,
  bodyText,
  categoriesElement,
  categoriesOf,
  intOf,
  isoDate,
  parseEasDate,
  textOf,
} from './eas-values';
import { localStartOf, recurrenceElement, ruleFromRecurrence } from './recurrence';

const T = 'Tasks';
const P = 9;

export interface TaskRenderContext {
  version: ProtocolVersion;
  bodyPreferences: BodyPreference[];
  calendarTimezone?: string | null;
}

export interface TaskImportContext {
  version: ProtocolVersion;
  supported?: ReadonlySet<string> | null;
}

const textProp = (c: IcalComponent, name: string) => String(c.getFirstPropertyValue(name) ?? '');

function isComplete(todo: IcalComponent): boolean {
  return textProp(todo, 'status').toUpperCase() === 'COMPLETED' || todo.hasProperty('completed');
}

/** FilterType 8: tasks not completed. Unreadable objects count as incomplete (they are shown). */
export function isIncompleteTask(ics: string): boolean {
  try {
    const todo = parseVcalendar(ics).getFirstSubcomponent('vtodo');
    return !todo || !isComplete(todo);
  } catch {
    return true;
  }
}

/** [local wall time as if UTC, UTC] of a DUE/DTSTART. */
function bothForms(t: IcalTime, zone: ReturnType<typeof timezoneFromText>): [number, number] {
  const utc = instant(t, zone);
  if (t.isDate) return [utc, utc];
  const local = t.zone && t.zone.tzid !== 'floating' ? t : timeIn(utc, zone);
  return [Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second), utc];
}

/** Importance 0 low, 1 normal, 2 high ↔ PRIORITY 9 / 5 (or none) / 1 (RFC 5545 §3.8.1.9). */
function importanceOf(todo: IcalComponent): number {
  const p = Number(todo.getFirstPropertyValue('priority') ?? 0);
  if (p >= 1 && p <= 4) return 2;
  if (p >= 6) return 0;
  return 1;
}

function reminderTimeOf(todo: IcalComponent, zone: ReturnType<typeof timezoneFromText>): number | null {
  for (const alarm of todo.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const v = trigger?.getFirstValue() as unknown;
    if (v instanceof ICAL.Time) return instant(v, zone);
    if (v instanceof ICAL.Duration) {
      const related = String(trigger?.getParameter('related') ?? 'START').toUpperCase();
      const base = todo.getFirstPropertyValue(related === 'END' ? 'due' : 'dtstart') as IcalTime | null;
      const anchor = base ?? (todo.getFirstPropertyValue('due') as IcalTime | null);
      if (anchor) return instant(anchor, zone) + v.toSeconds() * 1000;
    }
  }
  return null;
}

export function taskToApplicationData(ics: string, ctx: TaskRenderContext): EasElement | null {
  const vcalendar = parseVcalendar(ics);
  const todo = vcalendar.getAllSubcomponents('vtodo').find((t) => !t.hasProperty('recurrence-id'));
  if (!todo) return null;
  const zone = timezoneFromText(ctx.calendarTimezone);
  const due = todo.getFirstPropertyValue('due') as IcalTime | null;
  const start = todo.getFirstPropertyValue('dtstart') as IcalTime | null;
  const completed = todo.getFirstPropertyValue('completed') as IcalTime | null;
  const complete = isComplete(todo);
  const reminder = reminderTimeOf(todo, zone);
  const rrule = todo.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur> | null;
  const anchor = start ?? due;
  let recurrence: EasElement | null = null;
  if (rrule && anchor) {
    recurrence = recurrenceElement(
      T,
      rrule,
      localStartOf(anchor),
      isoDate,
      rrule.until ? instant(rrule.until, zone) : null,
    );
    // MS-ASTASK §2.2.2.19: a task's Recurrence names its Start, right after Type.
    recurrence?.children.splice(1, 0, el(T, 'Start', isoDate(bothForms(anchor, zone)[0])));
  }
  const dueForms = due ? bothForms(due, zone) : null;
  const startForms = start ? bothForms(start, zone) : null;
  return el(
    'AirSync',
    'ApplicationData',
    bodyElement(textProp(todo, 'description'), ctx.bodyPreferences),
    categoriesElement(T, categoriesOfComponent(todo)),
    el(T, 'Complete', complete ? 1 : 0),
    complete && el(T, 'DateCompleted', isoDate(completed ? instant(completed, zone) : Date.now())),
    dueForms && el(T, 'DueDate', isoDate(dueForms[0])),
    dueForms && el(T, 'UtcDueDate', isoDate(dueForms[1])),
    el(T, 'Importance', importanceOf(todo)),
    recurrence,
    el(T, 'ReminderSet', reminder !== null ? 1 : 0),
    reminder !== null && el(T, 'ReminderTime', isoDate(reminder)),
    el(T, 'Sensitivity', sensitivityOf(todo) ?? 0),
    startForms && el(T, 'StartDate', isoDate(startForms[0])),
    startForms && el(T, 'UtcStartDate', isoDate(startForms[1])),
    el(T, 'Subject', textProp(todo, 'summary')),
  );
}

/** DUE/DTSTART from the local and UTC forms: midnight local with no better UTC form is a DATE. */
function applyDate(
  todo: IcalComponent,
  prop: string,
  local: string | undefined,
  utc: string | undefined,
  keep: boolean,
) {
  const localMs = parseEasDate(local);
  const utcMs = parseEasDate(utc);
  if (localMs === null && utcMs === null) {
    if (!keep) todo.removeAllProperties(prop);
    return;
  }
  const midnight = localMs !== null && localMs % 86_400_000 === 0;
  if (midnight && (utcMs === null || utcMs === localMs || Math.abs(utcMs - localMs) <= 14 * 3600_000)) {
    const d = new Date(localMs);
    setTime(
      todo,
      prop,
      ICAL.Time.fromData({
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        isDate: true,
      }),
    );
  } else setTime(todo, prop, timeIn((utcMs ?? localMs)!, null));
}

export function applicationDataToTask(
  data: EasElement,
  existing: string | null,
  ctx: TaskImportContext,
): string {
  const vcalendar = existing ? parseVcalendar(existing) : newVcalendar();
  let todo = vcalendar.getAllSubcomponents('vtodo').find((t) => !t.hasProperty('recurrence-id')) ?? null;
  if (!todo) {
    todo = new ICAL.Component('vtodo');
    setText(todo, 'uid', randomUUID());
    vcalendar.addSubcomponent(todo);
  }
  const ghosted = (name: string) => !!ctx.supported && !ctx.supported.has(name);
  const subject = textOf(data, 'Subject', P);
  if (subject !== undefined || !ghosted('Subject')) setText(todo, 'summary', subject ?? null);
  const body = bodyText(data);
  if (body !== undefined) setText(todo, 'description', body);
  const complete = intOf(data, 'Complete', P);
  if (complete === 1) {
    setText(todo, 'status', 'COMPLETED');
    const when = parseEasDate(textOf(data, 'DateCompleted', P)) ?? Date.now();
    setTime(todo, 'completed', timeIn(when, null));
    todo.removeAllProperties('percent-complete');
    todo.addPropertyWithValue('percent-complete', 100);
  } else if (complete === 0 || !ghosted('Complete')) {
    if (textProp(todo, 'status').toUpperCase() === 'COMPLETED') setText(todo, 'status', 'NEEDS-ACTION');
    todo.removeAllProperties('completed');
    if (Number(todo.getFirstPropertyValue('percent-complete') ?? 0) === 100)
      todo.removeAllProperties('percent-complete');
  }
  applyDate(todo, 'due', textOf(data, 'DueDate', P), textOf(data, 'UtcDueDate', P), ghosted('DueDate'));
  applyDate(
    todo,
    'dtstart',
    textOf(data, 'StartDate', P),
    textOf(data, 'UtcStartDate', P),
    ghosted('StartDate'),
  );
  const importance = intOf(data, 'Importance', P);
  if (importance !== null || !ghosted('Importance')) {
    todo.removeAllProperties('priority');
    if (importance === 0 || importance === 2) todo.addPropertyWithValue('priority', importance === 2 ? 1 : 9);
  }
  const sensitivity = intOf(data, 'Sensitivity', P);
  if (sensitivity !== null && sensitivity < 4) setText(todo, 'class', CLASS_OF_SENSITIVITY[sensitivity]);
  else if (!ghosted('Sensitivity')) todo.removeAllProperties('class');
  const categories = categoriesOf(data, P);
  if (categories !== null || !ghosted('Categories')) setCategories(todo, categories);
  const reminderSet = intOf(data, 'ReminderSet', P);
  const reminderAt = parseEasDate(textOf(data, 'ReminderTime', P));
  if (reminderSet !== null || !ghosted('ReminderSet')) {
    for (const a of todo.getAllSubcomponents('valarm')) todo.removeSubcomponent(a);
    if (reminderSet === 1 && reminderAt !== null) {
      const alarm = new ICAL.Component('valarm');
      alarm.addPropertyWithValue('action', 'DISPLAY');
      alarm.addPropertyWithValue('description', 'Reminder');
      const trigger = new ICAL.Property('trigger');
      trigger.setValue(timeIn(reminderAt, null));
      alarm.addProperty(trigger);
      todo.addSubcomponent(alarm);
    }
  }
  const recurrence = child(data, 'Recurrence', P);
  if (recurrence || !ghosted('Recurrence')) {
    todo.removeAllProperties('rrule');
    const rule = recurrence ? ruleFromRecurrence(recurrence, P) : null;
    const anchor = (todo.getFirstPropertyValue('dtstart') ??
      todo.getFirstPropertyValue('due')) as IcalTime | null;
    if (rule && anchor) {
      if (!todo.hasProperty('dtstart')) setTime(todo, 'dtstart', anchor);
      const until = rule.untilMs === null ? '' : `;UNTIL=${timeIn(rule.untilMs, null).toICALString()}`;
      const untilText =
        anchor.isDate && until ? `;UNTIL=${isoDate(rule.untilMs!).slice(0, 10).replace(/-/g, '')}` : until;
      todo.addPropertyWithValue('rrule', ICAL.Recur.fromString(rule.rule + untilText));
    }
  }
  setTime(todo, 'dtstamp', timeIn(Date.now(), null));
  return vcalendar.toString() + '\r\n';
}
