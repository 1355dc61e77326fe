import fc from 'fast-check';
import { AuthThrottle } from '../../../core/auth/auth-throttle';

/** The throttle with a clock the test moves (seconds). */
function throttle(options: ConstructorParameters<typeof AuthThrottle>[0] = {}) {
  let now = 1_000_000_000;
  let failures = 0;
  const t = new AuthThrottle(
    {
      maxFailures: 3,
      windowSeconds: 600,
      baseDelaySeconds: 10,
      maxDelaySeconds: 300,
      addressMaxFailures: 20,
      ...options,
    },
    () => now,
    () => failures++,
  );
  return { t, advance: (seconds: number) => (now += seconds * 1000), failures: () => failures };
}

const NAT = '203.0.113.7';

describe('AuthThrottle', () => {
  it("delays one account's guesses without locking other accounts behind the same address", () => {
    const { t } = throttle();
    for (let i = 0; i < 3; i++) t.recordFailure(NAT, 'alice@example.test');
    expect(t.isLocked(NAT, 'alice@example.test')).toBe(true);
    expect(t.isLocked(NAT, 'ALICE@example.test ')).toBe(true); // the account key is case-folded
    expect(t.isLocked(NAT, 'bob@example.test')).toBe(false);
    expect(t.isLocked('198.51.100.1', 'alice@example.test')).toBe(false);
    expect(t.addressRetryAfter(NAT)).toBe(0);
  });

  it('backs off: each failure past the limit doubles the delay, up to the cap', () => {
    const { t, advance } = throttle();
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      t.recordFailure(NAT, 'carol@example.test');
      const wait = t.retryAfter(NAT, 'carol@example.test');
      delays.push(wait);
      advance(wait); // the client waits as told, then fails again
    }
    expect(delays).toEqual([0, 0, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('forgets failures after the window, and a correct password clears that account', () => {
    const { t, advance } = throttle();
    t.recordFailure(NAT, 'dan@example.test');
    t.recordFailure(NAT, 'dan@example.test');
    advance(601);
    t.recordFailure(NAT, 'dan@example.test');
    expect(t.isLocked(NAT, 'dan@example.test')).toBe(false); // the first two no longer count
    t.recordFailure(NAT, 'dan@example.test');
    t.recordSuccess(NAT, 'dan@example.test');
    t.recordFailure(NAT, 'dan@example.test');
    t.recordFailure(NAT, 'dan@example.test');
    expect(t.isLocked(NAT, 'dan@example.test')).toBe(false);
  });

  it('stops password spraying: the per-address ceiling counts failures over all accounts', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 20; i++) t.recordFailure(NAT, `user${i}@example.test`);
    expect(t.isLocked(NAT, 'fresh@example.test')).toBe(true);
    expect(t.addressRetryAfter(NAT)).toBe(600);
    expect(t.isLocked('198.51.100.1', 'fresh@example.test')).toBe(false);
    // A success from the address does not reset the ceiling (an attacker may own one account).
    t.recordSuccess(NAT, 'user0@example.test');
    expect(t.isLocked(NAT, 'fresh@example.test')).toBe(true);
    advance(600);
    expect(t.isLocked(NAT, 'fresh@example.test')).toBe(false);
  });

  it('counts IPv6 clients per /64 for the ceiling, IPv4-mapped addresses as IPv4', () => {
    const { t } = throttle();
    for (let i = 0; i < 20; i++)
      t.recordFailure(`2001:db8:1:2::${(i + 1).toString(16)}`, `u${i}@example.test`);
    expect(t.addressRetryAfter('2001:db8:1:2:ffff::9')).toBeGreaterThan(0);
    expect(t.addressRetryAfter('2001:db8:1:3::1')).toBe(0);
    const other = throttle().t;
    for (let i = 0; i < 20; i++) other.recordFailure('::ffff:192.0.2.1', `u${i}@example.test`);
    expect(other.addressRetryAfter('192.0.2.1')).toBeGreaterThan(0);
  });

  it("keeps the admin API's failures apart from the mail protocols", () => {
    const { t, failures } = throttle();
    for (let i = 0; i < 50; i++) t.admin.recordFailure(NAT, 'root');
    expect(t.admin.isLocked(NAT, 'root')).toBe(true);
    expect(t.admin.addressRetryAfter(NAT)).toBeGreaterThan(0);
    expect(t.isLocked(NAT, 'root')).toBe(false);
    expect(t.addressRetryAfter(NAT)).toBe(0);
    expect(failures()).toBe(50); // both realms feed the auth_failures metric
  });

  it('reads the former lockoutSeconds as the longest delay', () => {
    const { t } = throttle({ maxDelaySeconds: undefined, lockoutSeconds: 5 });
    for (let i = 0; i < 3; i++) t.recordFailure(NAT, 'eve@example.test');
    expect(t.retryAfter(NAT, 'eve@example.test')).toBe(5);
  });

  it('property: an account is never delayed by other accounts below the ceiling, and waits are bounded', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ account: fc.integer({ min: 0, max: 5 }), wait: fc.integer({ min: 0, max: 400 }) }),
          {
            maxLength: 19,
          },
        ),
        (events) => {
          const { t, advance } = throttle();
          const count = new Map<number, number>();
          for (const e of events) {
            advance(e.wait);
            t.recordFailure(NAT, `a${e.account}@example.test`);
            count.set(e.account, (count.get(e.account) ?? 0) + 1);
          }
          for (let account = 0; account <= 5; account++) {
            const wait = t.retryAfter(NAT, `a${account}@example.test`);
            expect(wait).toBeLessThanOrEqual(300);
            if (!count.has(account)) expect(wait).toBe(0); // fewer than 20 failures: no ceiling
          }
        },
      ),
      { seed: 1103, numRuns: 300 },
    );
  });
});

describe('login hook', () => {
  it('tells the hook about mail-realm successes only (the outbound login signal), not admin ones', () => {
    const throttle = new AuthThrottle();
    const seen: string[] = [];
    throttle.onLogin((address, account) => seen.push(`${account}@${address}`));
    throttle.recordSuccess('192.0.2.7', 'ann@x.test');
    throttle.admin.recordSuccess('192.0.2.8', 'admin');
    expect(seen).toEqual(['ann@x.test@192.0.2.7']);
  });
});
