/**
 * The Webmail Lambda ships the app's static files next to its bundle (infra/config/web-handlers.ts
 * runs functions/webmail/write-assets.ts after esbuild), so the function serves them without
 * esbuild at runtime. Checked on the synthesized asset of the function (real local bundling).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WEB_HANDLERS } from '../../infra/config/web-handlers';
import { STAGES } from '../../infra/config/stages';
import { resourcesOf, synthStage } from './synth';

it('bundles the webmail assets into the Webmail function', () => {
  const webmail = WEB_HANDLERS.filter((h) => h.name === 'Webmail');
  const { app, services } = synthStage(STAGES.dev, webmail);
  const assembly = app.synth();
  const functions = Object.values(resourcesOf(services, 'AWS::Lambda::Function')).filter((f) =>
    String((f.Properties as { Description?: string }).Description ?? '').includes('web handler Webmail'),
  );
  expect(functions).toHaveLength(1);
  const key = String((functions[0].Properties as { Code: { S3Key: string } }).Code.S3Key);
  const dir = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
  for (const name of ['app.js', 'app.css', 'index.html']) {
    expect(existsSync(path.join(dir, 'webmail-assets', name))).toBe(true);
  }
  expect(readFileSync(path.join(dir, 'webmail-assets', 'index.html'), 'utf8')).toContain('assets/app.js');
  // esbuild stays out of the function bundle.
  expect(readFileSync(path.join(dir, 'index.js'), 'utf8')).not.toContain('ESBUILD_BINARY_PATH');
}, 120_000);
