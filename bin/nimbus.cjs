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
  const { enableCompileCache } = require('node:module');
  if (enableCompileCache) {
    // Node 22.1+ keeps V8's compiled code of the 10 MB bundle between runs (in the OS temp dir).
    enableCompileCache();
    require(bundle);
  } else {
    requireWithCodeCache(bundle);
  }
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

/**
 * Node 20 has no compile cache: compiling the bundle is a third of a short command's time. Load it
 * as require() would, through a vm.Script that reuses V8's code cache kept next to the bundle (or
 * in the OS temp dir when dist/ is read-only); a cache from another Node version is rejected by V8
 * and rewritten.
 */
function requireWithCodeCache(file) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const { writeFileSync } = require('node:fs');
  const { Buffer } = require('node:buffer');
  const os = require('node:os');
  const source = readFileSync(file, 'utf8');
  const key = `${process.version}-${statSync(file).mtimeMs}`;
  const places = [
    `${file}.v8cache`,
    path.join(os.tmpdir(), `nimbus-cli-${process.getuid?.() ?? 'u'}.v8cache`),
  ];
  let cached;
  for (const place of places) {
    try {
      const data = readFileSync(place);
      const split = data.indexOf(10); // "key\n" then the cache bytes
      if (data.subarray(0, split).toString() === key) {
        cached = data.subarray(split + 1);
        break;
      }
    } catch {
      // no cache there
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cached });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  if (!cached || script.cachedDataRejected) {
    // After the command: the cache then holds the functions it compiled lazily too.
    process.once('exit', () => {
      const data = Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]);
      for (const place of places) {
        try {
          writeFileSync(place, data, { mode: 0o600 });
          return;
        } catch {
          // try the next place
        }
      }
    });
  }
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
}
