/**
 * The deployable node as the container image builds and runs it (containers/Dockerfile runs
 * containers/build.ts): one esbuild bundle plus prebuilt webmail assets, started with plain node
 * from a directory whose node_modules holds only PGlite — as the image's production install
 * would, and without esbuild, so the webmail must come from the prebuilt assets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Dialogue } from '../helpers/smtp-dialogue';
import { NodeProcess } from '../helpers/node-process';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;
let node: NodeProcess;
let ports: Record<string, number>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bundle-'));
  const dist = path.join(dir, 'app', 'dist');
  const built = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'containers/build.ts', dist], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
  const modules = path.join(dir, 'app', 'node_modules', '@electric-sql');
  mkdirSync(modules, { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite'), path.join(modules, 'pglite'));
  node = new NodeProcess(
    path.join(dir, 'data'),
    [
      '--smtp-port',
      '0',
      '--imap-port',
      '0',
      '--pop3-port',
      '0',
      '--submission-port',
      '0',
      '--http-port',
      '0',
    ],
    { NODE_ENV: 'production', NODE_OPTIONS: '', NIMBUS_PREGREET_MS: '0', NIMBUS_MANAGESIEVE_PORT: '0' },
    path.join(dist, 'nimbus.js'),
  );
  ports = await node.start();
}, 120_000);

afterAll(async () => {
  await node?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

it('cannot reach esbuild (so nothing is built at runtime)', () => {
  const probe = spawnSync(process.execPath, ['-e', 'require.resolve("esbuild")'], {
    cwd: path.join(dir, 'app', 'dist'),
  });
  expect(probe.status).not.toBe(0);
});

it('serves health and the webmail from the prebuilt assets', async () => {
  expect((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status).toBe(200);
  const shell = await fetch(`http://127.0.0.1:${ports.http}/webmail/`);
  expect(shell.status).toBe(200);
  expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await shell.text()).toContain('assets/app.js');
  const script = await fetch(`http://127.0.0.1:${ports.http}/webmail/assets/app.js`);
  expect(script.status).toBe(200);
  expect(Buffer.from(await script.arrayBuffer())).toEqual(
    readFileSync(path.join(dir, 'app', 'dist', 'webmail-assets', 'app.js')),
  );
});

it('speaks SMTP', async () => {
  const d = await Dialogue.connect(ports.smtp);
  expect(await d.reply()).toMatch(/^220 /);
  expect(await d.command('EHLO bundle.test')).toMatch(/^250-/);
  d.close();
});
