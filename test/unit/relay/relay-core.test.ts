import { OverrideResolver } from '../../../core/adapters/dns/override-resolver';
import { SystemResolver } from '../../../core/adapters/dns/system-resolver';
import { applyMtaSts, mxMatches, parseMtaStsPolicy, parseMtaStsRecord } from '../../../core/relay/mta-sts';
import { selectTargets } from '../../../core/relay/mx-selection';
import { classifyReply } from '../../../core/relay/reply-classification';
import { ResolverError, type Resolver } from '../../../core/ports/resolver';
import {
  OUTBOUND_RETRY,
  deferAfterFailure,
  delayWarningDue,
  hopDelay,
  parseSchedule,
} from '../../../core/spool/retry-schedule';

const fake = (
  mx: Record<string, { exchange: string; priority: number }[]>,
  a: Record<string, string[]>,
): Resolver => ({
  async mx(domain) {
    if (!(domain in mx)) throw new ResolverError('not-found', 'nx');
    return mx[domain];
  },
  async addresses(host) {
    if (!(host in a)) throw new ResolverError('not-found', 'nx');
    return a[host];
  },
  async txt() {
    return [];
  },
});

describe('MX selection', () => {
  test('orders by preference, falls back to the domain (implicit MX), refuses null MX', async () => {
    const dns = fake(
      {
        'a.test': [
          { exchange: 'mx2.a.test', priority: 20 },
          { exchange: 'mx1.a.test', priority: 10 },
        ],
        'implicit.test': [],
        'null.test': [{ exchange: '.', priority: 0 }],
      },
      {
        'mx1.a.test': ['192.0.2.1'],
        'mx2.a.test': ['192.0.2.2', '2001:db8::2'],
        'implicit.test': ['192.0.2.9'],
      },
    );
    expect((await selectTargets('a.test', dns)).map((t) => `${t.host}/${t.address}`)).toEqual([
      'mx1.a.test/192.0.2.1',
      'mx2.a.test/192.0.2.2',
      'mx2.a.test/2001:db8::2',
    ]);
    expect(await selectTargets('implicit.test', dns)).toEqual([
      { host: 'implicit.test', address: '192.0.2.9', port: 25, priority: 0 },
    ]);
    await expect(selectTargets('null.test', dns)).rejects.toMatchObject({
      permanent: true,
      enhanced: '5.1.10',
    });
    await expect(selectTargets('missing.test', dns)).rejects.toMatchObject({
      permanent: true,
      enhanced: '5.1.2',
    });
  });

  test('the override maps a domain to host:port; the system resolver never asks about .test', async () => {
    const targets = await selectTargets('peer.test', new OverrideResolver({ 'peer.test': '127.0.0.1:2626' }));
    expect(targets).toEqual([{ host: '127.0.0.1', address: '127.0.0.1', port: 2626, priority: 0 }]);
    await expect(new SystemResolver().mx('anything.test')).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('reply classification', () => {
  test('basic and enhanced codes', () => {
    expect(classifyReply('550 5.1.1 no such user')).toEqual({
      status: 'permanent',
      code: 550,
      enhanced: '5.1.1',
    });
    expect(classifyReply('451 4.7.1 greylisted')).toEqual({
      status: 'temporary',
      code: 451,
      enhanced: '4.7.1',
    });
    expect(classifyReply('421 closing')).toEqual({ status: 'temporary', code: 421, enhanced: '4.0.0' });
    expect(classifyReply('250 2.0.0 ok')).toMatchObject({ status: 'sent' });
  });
});

describe('retry schedule within SQS limits', () => {
  test('defaults, hops of at most 15 minutes, delay warning once', () => {
    expect(parseSchedule('5m,10m,30m,1h,2h,4h')).toEqual(OUTBOUND_RETRY.delays);
    expect(() => parseSchedule('13h')).toThrow(/12h/);
    const now = new Date('2030-01-01T00:00:00Z');
    const first = deferAfterFailure(OUTBOUND_RETRY, { attempts: 5 }, '451 busy', now);
    expect(first.delaySeconds).toBe(900);
    expect(first.state.nextAttemptAt).toBe('2030-01-01T04:00:00.000Z');
    const later = deferAfterFailure(OUTBOUND_RETRY, first.state, '451 busy', now);
    expect(later.state.nextAttemptAt).toBe('2030-01-01T04:00:00.000Z'); // "then every 4h"
    expect(hopDelay(new Date('2030-01-01T00:10:00Z'), now)).toBe(600);
    expect(hopDelay(new Date('2030-01-01T04:00:00Z'), now)).toBe(900);
    const received = new Date('2029-12-31T19:00:00Z');
    expect(delayWarningDue({ attempts: 3 }, received, 4 * 3600, now)).toBe(true);
    expect(delayWarningDue({ attempts: 3, delayWarned: true }, received, 4 * 3600, now)).toBe(false);
  });
});

describe('MTA-STS', () => {
  const policy = parseMtaStsPolicy(
    'version: STSv1\r\nmode: enforce\r\nmx: mail.example.net\r\nmx: *.backup.example.net\r\nmax_age: 86400\r\n',
  )!;

  test('parses the record and the policy; matches mx patterns (one wildcard label)', () => {
    expect(parseMtaStsRecord(['v=STSv1; id=20240101T000000'])).toBe('20240101T000000');
    expect(parseMtaStsRecord(['v=spf1 -all'])).toBeNull();
    expect(policy).toMatchObject({ mode: 'enforce', maxAge: 86400 });
    expect(mxMatches(policy, 'mail.example.net.')).toBe(true);
    expect(mxMatches(policy, 'a.backup.example.net')).toBe(true);
    expect(mxMatches(policy, 'a.b.backup.example.net')).toBe(false);
    expect(mxMatches(policy, 'evil.example.org')).toBe(false);
    expect(parseMtaStsPolicy('version: STSv1\nmode: enforce\nmax_age: 10\n')).toBeNull();
  });

  test('enforce keeps only matching hosts and requires verified TLS; testing changes nothing', () => {
    const targets = [{ host: 'mail.example.net' }, { host: 'evil.example.org' }];
    expect(applyMtaSts(policy, targets)).toEqual({ targets: [targets[0]], requireVerifiedTls: true });
    expect(applyMtaSts({ ...policy, mode: 'testing' }, targets)).toEqual({
      targets,
      requireVerifiedTls: false,
    });
  });
});
