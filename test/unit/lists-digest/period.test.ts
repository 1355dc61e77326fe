import fc from 'fast-check';
import {
  formatPeriod,
  nextPeriod,
  parsePeriod,
  periodEnd,
  periodOf,
  type DigestFrequency,
} from '../../../core/lists/digest/period';
import { MAX_DELAY_SECONDS, secondsUntilDue } from '../../../core/lists/digest/schedule';

const frequency = fc.constantFrom<DigestFrequency>('daily', 'weekly', 'monthly');
const instant = fc.date({
  min: new Date('1971-01-01T00:00:00Z'),
  max: new Date('2200-12-31T23:59:59Z'),
  noInvalidDate: true,
});

describe('digest periods', () => {
  test('the period of an instant contains it, and parse(format) is the identity', () => {
    fc.assert(
      fc.property(frequency, instant, (kind, at) => {
        const text = periodOf(kind, at);
        const parsed = parsePeriod(text);
        expect(parsed).not.toBeNull();
        if (!parsed || parsed.kind === 'threshold') return;
        expect(parsed.kind).toBe(kind);
        expect(parsed.start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(periodEnd(parsed).getTime()).toBeGreaterThan(at.getTime());
        expect(formatPeriod(parsed)).toBe(text);
      }),
    );
  });

  test('the next period starts where this one ends, and periods of one kind never overlap', () => {
    fc.assert(
      fc.property(frequency, instant, (kind, at) => {
        const parsed = parsePeriod(periodOf(kind, at))!;
        const next = parsePeriod(nextPeriod(parsed)!)!;
        expect(next.kind).toBe(kind);
        if (next.kind === 'threshold' || parsed.kind === 'threshold') return;
        expect(next.start.getTime()).toBe(periodEnd(parsed).getTime());
        expect(periodOf(kind, new Date(periodEnd(parsed).getTime() - 1))).toBe(formatPeriod(parsed));
      }),
    );
  });

  test('weeks start on Mondays (ISO 8601), months on the first', () => {
    expect(periodOf('weekly', new Date('2026-12-03T10:00:00Z'))).toBe('w2026-11-30');
    expect(periodOf('weekly', new Date('2026-11-30T00:00:00Z'))).toBe('w2026-11-30');
    expect(periodOf('weekly', new Date('2026-11-29T23:59:59Z'))).toBe('w2026-11-23');
    expect(periodOf('monthly', new Date('2026-12-31T23:59:59Z'))).toBe('m2026-12');
    expect(nextPeriod(parsePeriod('m2026-12')!)).toBe('m2027-01');
    expect(nextPeriod(parsePeriod('d2028-02-28')!)).toBe('d2028-02-29');
  });

  test('only what formatPeriod writes parses: arbitrary strings are refused or round-trip', () => {
    for (const bad of [
      '',
      'd2026-02-30',
      'w2026-12-03',
      'm2026-12-01',
      'd2026-1-03',
      'x0',
      'x01',
      'x-1',
      'q2026-12',
      'd1969-12-31',
    ])
      expect(parsePeriod(bad)).toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 14 }), (s) => {
        const parsed = parsePeriod(s);
        if (parsed) expect(formatPeriod(parsed)).toBe(s);
      }),
    );
  });

  test('a job waits at most the queue cap, and nothing once the period is over; threshold digests are due at once', () => {
    fc.assert(
      fc.property(frequency, instant, fc.integer({ min: 0, max: 40 * 86_400 }), (kind, at, later) => {
        const period = periodOf(kind, at);
        const wait = secondsUntilDue(period, new Date(at.getTime() + later * 1000));
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
        const end = periodEnd(parsePeriod(period)!);
        expect(secondsUntilDue(period, end)).toBe(0);
      }),
    );
    expect(secondsUntilDue('x42', new Date())).toBe(0);
  });
});
