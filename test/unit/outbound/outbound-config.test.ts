/** The `outbound` configuration section: defaults, nested overrides, booleans from strings. */
import { DEFAULT_AUTOMATIC_LIMITS } from '../../../core/outbound/automatic-limits';
import { loadConfig } from '../../../containers/node/config';
import { DEFAULT_OUTBOUND_LIMITS } from '../../../core/outbound/limits';
import { DEFAULT_SIGNALS } from '../../../core/outbound/signals';

it('defaults to the built-in limits, signals and automatic-mail limits', () => {
  const { outbound } = loadConfig({ env: {}, overrides: { dataDir: '/tmp/x' } });
  expect(outbound).toEqual({
    enabled: true,
    limits: DEFAULT_OUTBOUND_LIMITS,
    signals: DEFAULT_SIGNALS,
    automatic: DEFAULT_AUTOMATIC_LIMITS,
  });
});

it('takes nested overrides and "false" as false', () => {
  const { outbound } = loadConfig({
    env: {},
    overrides: {
      dataDir: '/tmp/x',
      'outbound.enabled': 'false',
      'outbound.limits.user.messagesPerHour': '7',
      'outbound.signals.burstRecipients': 9,
    },
  });
  expect(outbound.enabled).toBe(false);
  expect(outbound.limits.user).toEqual({ ...DEFAULT_OUTBOUND_LIMITS.user, messagesPerHour: 7 });
  expect(outbound.limits.domain).toEqual(DEFAULT_OUTBOUND_LIMITS.domain);
  expect(outbound.signals.burstRecipients).toBe(9);
});
