/**
 * Webmail static assets: the TypeScript UI under functions/webmail/ui/ bundled by esbuild's API
 * the first time they are asked for (once per process, a few hundred ms), kept in memory. The
 * CDK side can bundle the same entry into S3/CloudFront; `npm start` needs no build step.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type Assets = Map<string, { type: string; body: Buffer }>;

const UI_DIR = path.join(__dirname, 'ui');
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
  const assets: Assets = new Map();
  assets.set('app.js', {
    type: 'text/javascript; charset=utf-8',
    body: Buffer.from(result.outputFiles[0].contents),
  });
  assets.set('app.css', {
    type: 'text/css; charset=utf-8',
    body: await readFile(path.join(UI_DIR, 'app.css')),
  });
  assets.set('index.html', {
    type: 'text/html; charset=utf-8',
    body: await readFile(path.join(UI_DIR, 'index.html')),
  });
  return assets;
}

export function loadAssets(): Promise<Assets> {
  cached ??= buildAssets().catch((error) => {
    cached = null;
    throw error;
  });
  return cached;
}
