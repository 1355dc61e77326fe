/**
 * Builds the deployable node into OUTDIR (the container image runs exactly this): the CLI/node
 * entry bundled by esbuild for Node 22, and the webmail assets prebuilt next to it (the runtime
 * image has no esbuild). PGlite stays external: it ships .wasm/.data files esbuild cannot inline.
 *
 *   npx tsx containers/build.ts dist
 */
import path from 'node:path';
import { build } from 'esbuild';
import { writeAssets } from '../functions/webmail/assets';

async function main(outDir: string): Promise<void> {
  await build({
    entryPoints: [path.join(__dirname, 'node', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    outfile: path.join(outDir, 'nimbus.js'),
    // esbuild only builds the webmail from source; the bundle ships the assets prebuilt.
    external: ['@electric-sql/pglite', 'esbuild'],
    sourcemap: true,
    logLevel: 'warning',
  });
  const assets = await writeAssets(path.join(outDir, 'webmail-assets'));
  process.stdout.write(`built ${path.join(outDir, 'nimbus.js')} and webmail assets (${assets.join(', ')})\n`);
}

main(process.argv[2] ?? 'dist').catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
