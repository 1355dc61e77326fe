/**
 * Writes the prebuilt webmail assets into a directory: `tsx functions/webmail/write-assets.ts DIR`.
 * The Webmail Lambda's bundling runs it (infra/config/web-handlers.ts), so the function serves
 * the app without esbuild at runtime.
 */
import { writeAssets } from './assets';

writeAssets(process.argv[2] ?? 'webmail-assets').then(
  (names) => process.stdout.write(`wrote ${names.join(', ')} to ${process.argv[2] ?? 'webmail-assets'}\n`),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
