import { ConfigError, loadConfig } from '../../../containers/node/config';

describe('node configuration', () => {
  it('uses safe defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.host).toBe('127.0.0.1');
    expect(config.ports).toMatchObject({ smtp: 2525, submission: 2587, imap: 2143, pop3: 2110, http: 8080 });
    expect(config.smtp.relayNetworks).toEqual([]);
    expect(config.smtp.allowInsecureAuth).toBe(false);
    expect(config.roles).toEqual(expect.arrayContaining(['mx', 'delivery', 'imap', 'pop3']));
  });

  it('layers environment over defaults and flags over environment', () => {
    const config = loadConfig({
      env: { NIMBUS_SMTP_PORT: '2600', NIMBUS_ROLES: 'mx', NIMBUS_TRUSTED_NETWORKS: '10.0.0.0/8, ::1' },
      overrides: { 'ports.smtp': '0', 'ports.http': undefined },
    });
    expect(config.ports.smtp).toBe(0);
    expect(config.ports.http).toBe(8080);
    expect(config.roles).toEqual(['mx']);
    expect(config.smtp.trustedNetworks).toEqual(['10.0.0.0/8', '::1']);
  });

  it('has explicit IMAP connection limits: per account and address (NO [LIMIT] at login), per address', () => {
    const defaults = loadConfig({ env: {} });
    expect(defaults.imap).toMatchObject({ maxConnectionsPerUserIp: 10, maxConnectionsPerIp: 100 });
    const set = loadConfig({
      env: {},
      overrides: { 'imap.maxConnectionsPerUserIp': '4', 'imap.maxConnectionsPerIp': '500' },
    });
    expect(set.imap).toMatchObject({ maxConnectionsPerUserIp: 4, maxConnectionsPerIp: 500 });
    expect(() => loadConfig({ env: {}, overrides: { 'imap.maxConnectionsPerUserIp': '0' } })).toThrow(
      /imap\.maxConnectionsPerUserIp/,
    );
  });

  it('expands role groups', () => {
    expect(loadConfig({ env: { NIMBUS_ROLES: 'access' } }).roles.sort()).toEqual([
      'imap',
      'managesieve',
      'pop3',
      'submission',
    ]);
  });

  it.each([
    [{ NIMBUS_SMTP_PORT: '70000' }, /ports\.smtp/],
    [{ NIMBUS_SMTP_PORT: 'abc' }, /ports\.smtp/],
    [{ NIMBUS_ROLES: 'mx,teapot' }, /roles: unknown role "teapot"/],
    [{ DATABASE_URL: 'not a url' }, /databaseUrl/],
    [{ LOG_LEVEL: 'loud' }, /log\.level/],
    [{ NIMBUS_EVENTS: 'carrier-pigeon' }, /events/],
  ])('rejects %j with a message naming the setting', (env, message) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('names an unreadable config file', () => {
    expect(() => loadConfig({ env: {}, configFile: '/nonexistent/nimbus.json' })).toThrow(
      /cannot read config file/,
    );
  });
});
