/**
 * Tasks class ↔ VTODO (core/eas/pim/task-convert.ts): due and start dates in both forms,
 * completion, importance, reminder, categories, a simple recurrence; Change semantics; FilterType 8.
 */
import fc from 'fast-check';
import { isoDate } from '../../../core/eas/pim/eas-values';
import {
  applicationDataToTask,
  isIncompleteTask,
  taskToApplicationData,
} from '../../../core/eas/pim/task-convert';
import { child, el, type EasElement } from '../../../core/eas/wbxml/tree';
import { extractCalendarFields } from '../../../core/pim/ical';
import { TASK } from './pim-fixtures';

const CTX = { version: '16.1' as const, bodyPreferences: [{ type: 1 }] };
const values = (data: EasElement) =>
  Object.fromEntries(
    data.children.filter((c) => c.page === 9 && c.text !== undefined).map((c) => [c.name, c.text]),
  );

describe('VTODO → ApplicationData', () => {
  it('maps subject, body, dates, importance, reminder and categories', () => {
    const data = taskToApplicationData(TASK, CTX)!;
    expect(values(data)).toEqual({
      Subject: 'File the report',
      Complete: '0',
      DueDate: '2026-12-10T17:00:00.000Z',
      UtcDueDate: '2026-12-10T17:00:00.000Z',
      StartDate: '2026-12-01T09:00:00.000Z',
      UtcStartDate: '2026-12-01T09:00:00.000Z',
      Importance: '2',
      ReminderSet: '1',
      ReminderTime: '2026-12-10T09:00:00.000Z',
      Sensitivity: '0',
    });
    expect(child(child(data, 'Body', 17), 'Data', 17)?.text).toBe('Quarterly numbers');
    expect(child(data, 'Categories', 9)?.children.map((c) => c.text)).toEqual(['Work']);
  });
});

describe('round trip and Change', () => {
  it('VTODO → ApplicationData → VTODO keeps the task', () => {
    const data = taskToApplicationData(TASK, CTX)!;
    const ics = applicationDataToTask(data, null, CTX);
    expect(extractCalendarFields(ics).component).toBe('VTODO');
    expect(taskToApplicationData(ics, CTX)).toEqual(data);
  });

  it('completing a task sets STATUS and COMPLETED, and FilterType 8 leaves it out', () => {
    expect(isIncompleteTask(TASK)).toBe(true);
    const done = applicationDataToTask(
      el(
        'AirSync',
        'ApplicationData',
        el('Tasks', 'Subject', 'File the report'),
        el('Tasks', 'Complete', 1),
        el('Tasks', 'DateCompleted', '2026-12-09T12:00:00.000Z'),
        el('Tasks', 'UtcDueDate', '2026-12-10T17:00:00.000Z'),
        el('Tasks', 'DueDate', '2026-12-10T17:00:00.000Z'),
      ),
      TASK,
      CTX,
    );
    expect(done).toContain('STATUS:COMPLETED');
    expect(done).toContain('COMPLETED:20261209T120000Z');
    expect(done).toContain('DESCRIPTION:Quarterly numbers');
    expect(done).not.toContain('DTSTART');
    expect(isIncompleteTask(done)).toBe(false);
    const back = values(taskToApplicationData(done, CTX)!);
    expect([back.Complete, back.DateCompleted]).toEqual(['1', '2026-12-09T12:00:00.000Z']);
    // Reopened: no longer completed.
    const reopened = applicationDataToTask(
      el('AirSync', 'ApplicationData', el('Tasks', 'Subject', 'x'), el('Tasks', 'Complete', 0)),
      done,
      CTX,
    );
    expect(isIncompleteTask(reopened)).toBe(true);
  });

  it('an all-day due date (midnight in both forms) is a DATE', () => {
    const ics = applicationDataToTask(
      el(
        'AirSync',
        'ApplicationData',
        el('Tasks', 'Subject', 'Pay rent'),
        el('Tasks', 'DueDate', '2027-01-01T00:00:00.000Z'),
        el('Tasks', 'UtcDueDate', '2026-12-31T23:00:00.000Z'),
        el(
          'Tasks',
          'Recurrence',
          el('Tasks', 'Type', 2),
          el('Tasks', 'Start', '2027-01-01T00:00:00.000Z'),
          el('Tasks', 'Interval', 1),
          el('Tasks', 'DayOfMonth', 1),
        ),
      ),
      null,
      CTX,
    );
    expect(ics).toContain('DUE;VALUE=DATE:20270101');
    expect(ics).toContain('RRULE:FREQ=MONTHLY;BYMONTHDAY=1');
    const back = taskToApplicationData(ics, CTX)!;
    expect(values(back).DueDate).toBe('2027-01-01T00:00:00.000Z');
    expect(child(child(back, 'Recurrence', 9), 'Type', 9)?.text).toBe('2');
    expect(child(child(back, 'Recurrence', 9), 'Start', 9)?.text).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('device input (property-based)', () => {
  it('subject, due date and completion come back', () => {
    const when = fc
      .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) })
      .map((ms) => ms - (ms % 1000));
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        when,
        fc.boolean(),
        fc.integer({ min: 0, max: 5 }),
        (subject, due, complete, importance) => {
          const ics = applicationDataToTask(
            el(
              'AirSync',
              'ApplicationData',
              el('Tasks', 'Subject', subject),
              el('Tasks', 'UtcDueDate', isoDate(due)),
              el('Tasks', 'DueDate', isoDate(due)),
              el('Tasks', 'Complete', complete ? 1 : 0),
              el('Tasks', 'Importance', importance),
            ),
            null,
            CTX,
          );
          extractCalendarFields(ics);
          const back = values(taskToApplicationData(ics, CTX)!);
          expect([back.Subject ?? '', back.UtcDueDate, back.Complete]).toEqual([
            subject,
            isoDate(due),
            complete ? '1' : '0',
          ]);
          expect(back.Importance).toBe(String(importance <= 2 ? importance : 1));
        },
      ),
      { numRuns: 100 },
    );
  });
});
