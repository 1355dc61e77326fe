import fc from 'fast-check';
import { buildDsn } from '../../../core/dsn/dsn-builder';
import { classifyBounce } from '../../../core/lists/bounces/classify';
import { parseDsn } from '../../../core/lists/bounces/dsn-parse';
import { nextBounceState } from '../../../core/lists/bounces/score';
import { post } from './fixtures';

const dsn = (action: 'failed' | 'delayed', status: string) =>
  buildDsn({
    reportingMta: 'mx.remote.test',
    to: 'dev-bounces+bob=remote.test@lists.test',
    arrivalDate: new Date('2026-12-03T20:00:00Z'),
    recipients: [
      { address: 'bob@remote.test', action, status, diagnostic: `smtp; 550 ${status} no such user` },
    ],
    original: post(),
  });

describe('DSN parsing and classification', () => {
  it('reads our own RFC 3464 reports', () => {
    expect(parseDsn(dsn('failed', '5.1.1'))).toEqual([
      { address: 'bob@remote.test', action: 'failed', status: '5.1.1' },
    ]);
    expect(classifyBounce(dsn('failed', '5.1.1'))).toEqual({ kind: 'hard', recipients: ['bob@remote.test'] });
    expect(classifyBounce(dsn('failed', '4.2.2')).kind).toBe('soft');
    expect(classifyBounce(dsn('delayed', '4.4.1')).kind).toBe('ignore');
  });

  it('counts a non-DSN bounce as soft and ignores vacation answers', () => {
    expect(parseDsn(post())).toBeNull();
    expect(classifyBounce(post()).kind).toBe('soft');
    expect(classifyBounce(post('Auto-Submitted: auto-replied\r\n')).kind).toBe('ignore');
  });

  it('property: never throws on arbitrary bytes or mangled reports', () => {
    const report = dsn('failed', '5.1.1');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
          fc
            .tuple(fc.nat(report.length), fc.uint8Array({ minLength: 1, maxLength: 40 }))
            .map(([at, junk]) =>
              Buffer.concat([report.subarray(0, at), Buffer.from(junk), report.subarray(at)]),
            ),
        ),
        (input) => {
          const result = parseDsn(input);
          expect(result === null || Array.isArray(result)).toBe(true);
          expect(['hard', 'soft', 'ignore']).toContain(classifyBounce(input).kind);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('bounce score (Mailman rules)', () => {
  const settings = { bounceScoreThreshold: 2, bounceStaleDays: 7 };
  const day = (n: number) => new Date(Date.UTC(2026, 11, n, 12));

  it('adds 1 for hard and 0.5 for soft, once per day, and disables at the threshold', () => {
    let state = { score: 0, lastBounceAt: null as Date | null };
    let r = nextBounceState(state, 'soft', day(1), settings);
    expect([r.state.score, r.counted, r.disable]).toEqual([0.5, true, false]);
    state = r.state;
    r = nextBounceState(state, 'hard', new Date(day(1).getTime() + 3600_000), settings);
    expect([r.state.score, r.counted]).toEqual([0.5, false]);
    r = nextBounceState(state, 'hard', day(2), settings);
    expect([r.state.score, r.disable]).toEqual([1.5, false]);
    r = nextBounceState(r.state, 'hard', day(3), settings);
    expect([r.state.score, r.disable]).toEqual([2.5, true]);
  });

  it('forgets a score whose last bounce is stale', () => {
    const r = nextBounceState({ score: 1.5, lastBounceAt: day(1) }, 'soft', day(10), settings);
    expect(r.state.score).toBe(0.5);
  });
});
