/**
 * Compiles the `nimbus` CLI once, at install (`npm ci` runs it as the `prepare` script; again by
 * hand with `npm run build`), so that no command compiles TypeScript when it runs:
 *
 *   dist/cli/nimbus.cjs        the CLI and node bundled by esbuild (PGlite stays external: it ships
 *                              .wasm/.data files; esbuild is external: only the webmail build uses it)
 *   dist/cli/webmail-assets/   the webmail UI prebuilt, found next to the bundle at run time
 *   dist/cli/inputs.json       the source files that went in, so bin/nimbus.cjs can tell a stale build
 *
 * The container image builds its own bundle with containers/build.ts; this one is for the checkout.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { writeAssets } from '../functions/webmail/assets';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'cli');

/** Builds into `out` (default dist/cli); `webmail: false` skips the UI (the benchmarks need none). */
export async function buildCli(out = OUT, options: { webmail?: boolean } = {}): Promise<void> {
  // Build into a fresh directory, then swap it in: a CLI started meanwhile sees the old or the new build.
  const staging = `${out}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const startedAt = Date.now();
  const result = await build({
    entryPoints: [path.join(ROOT, 'containers', 'node', 'cli.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: path.join(staging, 'nimbus.cjs'),
    external: ['@electric-sql/pglite', 'esbuild'],
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  if (options.webmail !== false) await writeAssets(path.join(staging, 'webmail-assets'));
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/'));
  // Changed dependencies show in the lockfile: cheaper than 1,500 stats of node_modules per command.
  const inputs = { builtAt: startedAt, files: [...sources, 'package.json', 'package-lock.json'] };
  writeFileSync(path.join(staging, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  process.stdout.write(`built ${path.relative(ROOT, out)}/nimbus.cjs from ${sources.length} source files\n`);
}

if (require.main === module) {
  buildCli().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
