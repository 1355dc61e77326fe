#!/usr/bin/env node
// Runs the CLI compiled at install (`npm ci` → `npm run build` → dist/cli/, see bin/build-cli.ts).
// In a checkout whose sources changed since that build (or that has none), runs the TypeScript
// sources with tsx instead, so `nimbus` and the tests never run stale code.
const { readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'cli', 'nimbus.cjs');

/** 'fresh', 'stale' (a source is newer than the build) or 'missing'. */
function buildState() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(path.join(root, 'dist', 'cli', 'inputs.json'), 'utf8'));
  } catch {
    return 'missing';
  }
  for (const file of inputs.files) {
    let mtime;
    try {
      mtime = statSync(path.join(root, file)).mtimeMs;
    } catch {
      return 'stale'; // a source went away
    }
    if (mtime >= inputs.builtAt) return 'stale';
  }
  return 'fresh';
}

const state = process.env.NIMBUS_FROM_SOURCE === '1' ? 'forced' : buildState();
if (state === 'fresh') {
  // Node 22.1+ keeps V8's compiled code of the 10 MB bundle between runs (in the OS temp dir).
  require('node:module').enableCompileCache?.();
  require(bundle);
} else {
  let tsx;
  try {
    tsx = require.resolve('tsx/cjs');
  } catch {
    process.stderr.write(
      'nimbus: the compiled CLI (dist/cli/nimbus.cjs) is missing or out of date, and tsx is not installed\n' +
        'to run the sources: run `npm run build` (or `npm ci`, which builds it) in ' +
        root +
        '\n',
    );
    process.exit(1);
  }
  // Only people see the hint: scripts and tests read stderr.
  if (state !== 'forced' && process.stderr.isTTY) {
    process.stderr.write(
      `nimbus: compiled CLI ${state === 'missing' ? 'not built' : 'older than the sources'}, ` +
        'running the TypeScript sources (slow); `npm run build` compiles it\n',
    );
  }
  require(tsx);
  require('../containers/node/cli.ts');
}
