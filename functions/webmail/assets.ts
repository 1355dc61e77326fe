/**
 * Webmail static assets: the TypeScript UI under functions/webmail/ui/ bundled by esbuild's API.
 * From source (`npm start`, tests) they are built the first time they are asked for (once per
 * process, a few hundred ms) — no build step. A bundled deployment (the container image, see
 * containers/build.ts) ships them prebuilt in `webmail-assets/` next to the bundle, where esbuild
 * is not installed; NIMBUS_WEBMAIL_ASSETS names another directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Assets = Map<string, { type: string; body: Buffer }>;

const UI_DIR = path.join(__dirname, 'ui');
const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};
let cached: Promise<Assets> | null = null;

export async function buildAssets(): Promise<Assets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(UI_DIR, 'app.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    write: false,
    sourcemap: false,
    legalComments: 'none',
  });
  return toAssets({
    'app.js': Buffer.from(result.outputFiles[0].contents),
    'app.css': await readFile(path.join(UI_DIR, 'app.css')),
    'index.html': await readFile(path.join(UI_DIR, 'index.html')),
  });
}

/** Writes the built assets into `dir` (for a bundled deployment). */
export async function writeAssets(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const assets = await buildAssets();
  for (const [name, file] of assets) await writeFile(path.join(dir, name), file.body);
  return [...assets.keys()];
}

async function readPrebuilt(dir: string): Promise<Assets> {
  const files: Record<string, Buffer> = {};
  for (const name of Object.keys(TYPES)) files[name] = await readFile(path.join(dir, name));
  return toAssets(files);
}

function toAssets(files: Record<string, Buffer>): Assets {
  return new Map(Object.entries(files).map(([name, body]) => [name, { type: TYPES[name], body }]));
}

const prebuiltDir = () => process.env.NIMBUS_WEBMAIL_ASSETS ?? path.join(__dirname, 'webmail-assets');

/** Whether this deployment ships the assets prebuilt (the container image, the Webmail Lambda). */
export const hasPrebuiltAssets = (): boolean => existsSync(path.join(prebuiltDir(), 'app.js'));

export function loadAssets(): Promise<Assets> {
  cached ??= (hasPrebuiltAssets() ? readPrebuilt(prebuiltDir()) : buildAssets()).catch((error) => {
    cached = null;
    throw error;
  });
  return cached;
}
