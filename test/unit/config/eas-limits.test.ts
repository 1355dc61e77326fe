/**
 * `eas.limits` (issue #15): the defaults are the constants the commands had built in, a set value
 * reaches the ActiveSync settings and the command deps, and out-of-range values are refused.
 */
import { ConfigError, loadConfig } from '../../../containers/node/config';
import { LIMITS as RESOLVE_LIMITS } from '../../../core/eas/commands/resolve-recipients';
import { DEFAULT_MAX_BODY_BYTES } from '../../../core/eas/email/email-body';
import { DEFAULT_MAILBOX_SEARCH_LIMITS } from '../../../core/eas/search/mailbox-search';
import { DEFAULT_SEND_LIMITS } from '../../../core/eas/send/submit';
import { DEFAULT_SYNC_REQUEST_LIMITS } from '../../../core/eas/sync/sync-request';
import { easDeps } from '../../../functions/eas/deps';
import { DEFAULT_EAS_SETTINGS, easSettings } from '../../../functions/eas/settings';
import type { WebContext } from '../../../functions/web/context';

const settingsOf = (overrides: Record<string, unknown>) =>
  easSettings({ eas: loadConfig({ env: {}, overrides }).eas } as unknown as WebContext);

describe('eas.limits', () => {
  it('defaults to the constants each command used before', () => {
    const expected = {
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxMessageBytes: DEFAULT_SEND_LIMITS.maxMessageBytes,
      maxRecipients: DEFAULT_SEND_LIMITS.maxRecipients,
      maxSearchScan: DEFAULT_MAILBOX_SEARCH_LIMITS.maxScan,
      maxSyncCollections: DEFAULT_SYNC_REQUEST_LIMITS.maxCollections,
      maxSyncCommands: DEFAULT_SYNC_REQUEST_LIMITS.maxCommands,
      maxResolveRecipients: RESOLVE_LIMITS.maxTo,
    };
    expect(DEFAULT_EAS_SETTINGS.limits).toEqual(expected);
    expect(loadConfig({ env: {} }).eas.limits).toEqual(expected);
    expect(settingsOf({}).limits).toEqual(expected);
  });

  it('carries a set value into the settings and the command deps, others keep their default', () => {
    const settings = settingsOf({
      'eas.limits.maxRecipients': '2',
      'eas.limits.maxBodyBytes': 2048,
      'eas.limits.maxSyncCommands': '50',
    });
    expect(settings.limits).toEqual({
      ...DEFAULT_EAS_SETTINGS.limits,
      maxRecipients: 2,
      maxBodyBytes: 2048,
      maxSyncCommands: 50,
    });
    // The request body limit is a different setting and stays as it was.
    expect(settings.maxBodyBytes).toBe(DEFAULT_EAS_SETTINGS.maxBodyBytes);
    const deps = easDeps({} as unknown as WebContext, settings);
    expect(deps.limits).toEqual(settings.limits);
  });

  it.each([
    ['eas.limits.maxRecipients', 0],
    ['eas.limits.maxBodyBytes', 10],
    ['eas.limits.maxResolveRecipients', 101],
    ['eas.limits.maxSyncCollections', 'many'],
    ['eas.limits.maxSearchScan', 1.5],
  ])('refuses %s = %p at start', (key, value) => {
    expect(() => loadConfig({ env: {}, overrides: { [key]: value } })).toThrow(ConfigError);
  });
});
