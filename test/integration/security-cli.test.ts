import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nimbus } from '../helpers/node-process';

/** `nimbus security show|set|unset` against the database (no node running). */
let dataDir: string;
const run = (...args: string[]) => nimbus(['--data', dataDir, ...args]);

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-security-cli-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

it('shows, sets and unsets settings globally and per domain, with reliable exit codes', () => {
  expect(run('domain', 'add', 'cli.test').status).toBe(0);
  const defaults = run('security', 'show');
  expect(defaults.status).toBe(0);
  expect(defaults.stdout).toMatch(/^greylisting\s+off\s+\(default\)$/m);
  expect(defaults.stdout).toMatch(/^relay\.networks\s+\(none\)\s+\(default\)$/m);

  expect(run('security', 'set', 'relay.networks', '10.0.0.0/8', '192.0.2.7')).toMatchObject({
    status: 0,
    stdout: 'relay.networks = 10.0.0.0/8, 192.0.2.7\n',
  });
  expect(run('security', 'set', '--domain', 'cli.test', 'greylisting', 'on').stdout).toBe(
    'greylisting = on for cli.test\n',
  );

  const domain = JSON.parse(run('security', 'show', 'cli.test', '--json').stdout) as {
    scope: string;
    settings: { key: string; value: unknown; source: string }[];
  };
  const byKey = new Map(domain.settings.map((s) => [s.key, s]));
  expect(byKey.get('greylisting')).toMatchObject({ value: true, source: 'domain' });
  expect(byKey.get('av.action')).toMatchObject({ value: 'reject', source: 'default' });
  expect(byKey.has('relay.networks')).toBe(false); // global only: not listed per domain

  // Errors: bad value (5), global-only key per domain (5), unknown domain (3); more in test/unit/security.
  const wide = run('security', 'set', 'relay.networks', '0.0.0.0/0');
  expect(wide.status).toBe(5);
  expect(wide.stderr).toMatch(/too wide/);
  expect(run('security', 'set', '--domain', 'cli.test', 'relay.networks', '10.0.0.0/8').status).toBe(5);
  expect(run('security', 'set', '--domain', 'nowhere.test', 'greylisting', 'on').status).toBe(3);

  expect(run('security', 'unset', '--domain', 'cli.test', 'greylisting').stdout).toBe(
    'greylisting override removed\n',
  );
});
