/**
 * The `dav` settings section (containers/node/config-schema.ts): defaults equal the PIM store's,
 * values validated; and on AWS the HTTP API's Lambda routes leave /dav and the CalDAV/CardDAV
 * well-known paths to the ALB (the web role).
 */
import { loadConfig } from '../../../containers/node/config';
import { DEFAULT_PIM_LIMITS } from '../../../core/pim/pim-errors';
import { WEB_HANDLERS } from '../../../infra/config/web-handlers';

test('defaults are the PIM store defaults', () => {
  const config = loadConfig({ env: {}, overrides: { dataDir: '/tmp/x' } });
  expect(config.dav).toEqual({
    maxResourceSize: DEFAULT_PIM_LIMITS.maxResourceSize,
    maxObjectsPerAccount: DEFAULT_PIM_LIMITS.maxObjectsPerAccount,
    maxInstances: DEFAULT_PIM_LIMITS.maxInstances,
  });
  expect(config.dav.maxResourceSize).toBe(1024 * 1024);
  expect(config.dav.maxInstances).toBe(5000);
});

test('values are set per key and validated', () => {
  const config = loadConfig({
    env: {},
    overrides: { 'dav.maxResourceSize': '4096', 'dav.maxInstances': 10 },
  });
  expect(config.dav.maxResourceSize).toBe(4096);
  expect(config.dav.maxInstances).toBe(10);
  expect(config.dav.maxObjectsPerAccount).toBe(100_000);
  expect(() => loadConfig({ env: {}, overrides: { 'dav.maxResourceSize': 0 } })).toThrow();
  expect(() => loadConfig({ env: {}, overrides: { 'dav.maxInstances': 'many' } })).toThrow();
});

test('no Lambda route claims the DAV paths (the ALB sends them to the web role)', () => {
  const paths = WEB_HANDLERS.flatMap((h) => h.routes.map((r) => r.split(' ')[1]));
  for (const p of paths) {
    expect(p.startsWith('/dav')).toBe(false);
    expect(p).not.toMatch(/^\/\.well-known\/(caldav|carddav)/);
    expect(p).not.toMatch(/^\/\{proxy\+\}/);
  }
});

test('the older environment variables set the same settings', () => {
  const config = loadConfig({
    env: { NIMBUS_DAV_MAX_RESOURCE_SIZE: '2048', NIMBUS_DAV_MAX_OBJECTS: '7' },
    overrides: {},
  });
  expect(config.dav.maxResourceSize).toBe(2048);
  expect(config.dav.maxObjectsPerAccount).toBe(7);
});
