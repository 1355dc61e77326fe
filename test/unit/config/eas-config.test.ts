/**
 * The `eas` configuration section: defaults equal to DEFAULT_EAS_SETTINGS, values reach the
 * ActiveSync settings through the web context, and out-of-range values are refused at start.
 */
import { ConfigError, loadConfig } from '../../../containers/node/config';
import { DEFAULT_EAS_SETTINGS, easSettings } from '../../../functions/eas/settings';
import type { WebContext } from '../../../functions/web/context';

const settingsOf = (overrides: Record<string, unknown>) =>
  easSettings({ eas: loadConfig({ env: {}, overrides }).eas } as unknown as WebContext);

describe('eas configuration', () => {
  it('defaults to the ActiveSync defaults of functions/eas/settings.ts', () => {
    const config = loadConfig({ env: {} });
    expect(config.eas.maxBodyBytes).toBe(DEFAULT_EAS_SETTINGS.maxBodyBytes);
    expect(config.eas.policy).toEqual(DEFAULT_EAS_SETTINGS.policy);
    expect(config.eas.ping).toEqual(DEFAULT_EAS_SETTINGS.ping);
    expect(config.eas.wbxml).toEqual({
      maxDepth: DEFAULT_EAS_SETTINGS.wbxml.maxDepth,
      maxElements: DEFAULT_EAS_SETTINGS.wbxml.maxElements,
    });
    expect(settingsOf({})).toEqual(DEFAULT_EAS_SETTINGS);
  });

  it('carries set values into the settings the endpoint uses', () => {
    const settings = settingsOf({
      'eas.maxBodyBytes': '65536',
      'eas.wbxml.maxDepth': 20,
      'eas.policy.devicePasswordEnabled': 'true',
      'eas.policy.minDevicePasswordLength': '6',
      'eas.policy.maxDevicePasswordFailedAttempts': 8,
      'eas.ping.maxHeartbeatSeconds': '900',
      'eas.ping.maxFolders': 20,
    });
    expect(settings.maxBodyBytes).toBe(65536);
    // The body limit is the WBXML byte bound too.
    expect(settings.wbxml).toEqual({
      maxBytes: 65536,
      maxDepth: 20,
      maxElements: DEFAULT_EAS_SETTINGS.wbxml.maxElements,
    });
    expect(settings.policy).toMatchObject({
      devicePasswordEnabled: true,
      minDevicePasswordLength: 6,
      maxDevicePasswordFailedAttempts: 8,
      allowCamera: true,
    });
    expect(settings.ping).toEqual({ minHeartbeatSeconds: 60, maxHeartbeatSeconds: 900, maxFolders: 20 });
  });

  it.each([
    ['eas.ping.maxHeartbeatSeconds', 3600],
    ['eas.ping.minHeartbeatSeconds', 30],
    ['eas.policy.maxDevicePasswordFailedAttempts', 2],
    ['eas.policy.minDevicePasswordComplexCharacters', 5],
    ['eas.policy.minDevicePasswordLength', 0],
    ['eas.wbxml.maxDepth', 2],
    ['eas.maxBodyBytes', -1],
    ['eas.policy.allowCamera', 'maybe'],
  ])('refuses %s = %p', (key, value) => {
    expect(() => loadConfig({ env: {}, overrides: { [key]: value } })).toThrow(ConfigError);
  });

  it('refuses a minimum heartbeat above the maximum', () => {
    expect(() =>
      loadConfig({
        env: {},
        overrides: { 'eas.ping.minHeartbeatSeconds': 1200, 'eas.ping.maxHeartbeatSeconds': 600 },
      }),
    ).toThrow(/minHeartbeatSeconds/);
  });
});
