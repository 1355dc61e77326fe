/**
 * bin/nimbus.cjs chooses between the compiled CLI (dist/cli/, built by `npm ci`) and the sources:
 * the build only while no source it was built from is newer, the sources (tsx) otherwise, and a
 * clear instruction when there is neither a usable build nor tsx. Exercised on a copy of the
 * launcher in a temp tree with a stand-in bundle and stand-in sources, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
let tree: string;

function run(env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(tree, 'bin', 'nimbus.cjs'), '--help'], {
    encoding: 'utf8',
    env: { ...process.env, NIMBUS_FROM_SOURCE: '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeInputs(builtAt: number): void {
  writeFileSync(
    path.join(tree, 'dist', 'cli', 'inputs.json'),
    JSON.stringify({ builtAt, files: ['containers/node/cli.ts', 'package.json'] }),
  );
}

beforeEach(() => {
  tree = mkdtempSync(path.join(os.tmpdir(), 'nimbus-cli-build-'));
  for (const dir of ['bin', 'dist/cli', 'containers/node'])
    mkdirSync(path.join(tree, dir), { recursive: true });
  copyFileSync(path.join(ROOT, 'bin', 'nimbus.cjs'), path.join(tree, 'bin', 'nimbus.cjs'));
  writeFileSync(
    path.join(tree, 'dist', 'cli', 'nimbus.cjs'),
    "process.stdout.write('bundle ' + process.argv[2] + '\\n');\n",
  );
  const source: string =
    'const args: string[] = process.argv.slice(2);\nprocess.stdout.write(`source ${args[0]}\\n`);\n';
  writeFileSync(path.join(tree, 'containers', 'node', 'cli.ts'), source);
  writeFileSync(path.join(tree, 'package.json'), '{}\n');
  // The sources were there before the build.
  const past = new Date(Date.now() - 60_000);
  for (const file of ['containers/node/cli.ts', 'package.json'])
    utimesSync(path.join(tree, file), past, past);
});

afterEach(() => rmSync(tree, { recursive: true, force: true }));

it('runs the compiled bundle while no source is newer than the build', () => {
  writeInputs(Date.now() - 1_000);
  expect(run()).toEqual({ status: 0, stdout: 'bundle --help\n', stderr: '' });
});

it('runs the sources with tsx, silently for scripts, once a source changed after the build', () => {
  writeInputs(Date.now() - 120_000);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
  expect(run()).toEqual({ status: 0, stdout: 'source --help\n', stderr: '' });
});

it('runs the sources when the build is missing, or when NIMBUS_FROM_SOURCE=1', () => {
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
  expect(run().stdout).toBe('source --help\n');
  writeInputs(Date.now() - 1_000);
  expect(run({ NIMBUS_FROM_SOURCE: '1' }).stdout).toBe('source --help\n');
});

it('says what to run when there is no usable build and no tsx to run the sources', () => {
  const result = run();
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('dist/cli/nimbus.cjs');
  expect(result.stderr).toContain('`npm run build`');
});
