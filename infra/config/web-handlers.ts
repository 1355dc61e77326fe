/**
 * The Lambda web handlers from `functions/` and their HTTP API routes. An entry is deployed as
 * soon as its handler file exists; until then the stage has no HTTP API (the web role on the ALB
 * serves the same handlers). Long-held requests (ActiveSync Ping, JMAP push/EventSource) are not
 * listed here on purpose: API Gateway cuts requests at 30 s, so they stay on the ALB.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { WebHandlerEntry } from '../constructs/web-api';

export const WEB_HANDLERS: readonly WebHandlerEntry[] = [
  {
    name: 'Webmail',
    entry: 'functions/webmail/handler.ts',
    routes: ['GET /', 'ANY /webmail/{proxy+}'],
    // The app's static files go into the function next to its bundle (served without esbuild).
    afterBundling: (inputDir, outputDir) => [
      `node "${require.resolve('tsx/cli')}" "${inputDir}/functions/webmail/write-assets.ts" "${outputDir}/webmail-assets"`,
    ],
  },
  {
    name: 'Jmap',
    entry: 'functions/jmap/handler.ts',
    routes: [
      'GET /.well-known/jmap',
      'POST /jmap/api',
      'POST /jmap/auth/token',
      'POST /jmap/upload/{accountId}',
      'GET /jmap/download/{proxy+}',
    ],
  },
  {
    name: 'Admin',
    entry: 'functions/admin/handler.ts',
    routes: ['ANY /api/admin/{proxy+}'],
    // Not public: only requests with an admin credential pass the authorizer (docs/deploy.md §11).
    authorizer: 'admin',
    throttle: { rateLimit: 10, burstLimit: 20 },
  },
  {
    name: 'Autoconfig',
    entry: 'functions/autoconfig/handler.ts',
    routes: [
      'GET /.well-known/autoconfig/mail/config-v1.1.xml',
      'GET /mail/config-v1.1.xml',
      'ANY /autodiscover/autodiscover.xml',
      'ANY /Autodiscover/Autodiscover.xml',
    ],
  },
];

/** The handlers whose source exists in this checkout. */
export function availableWebHandlers(
  repoRoot: string,
  handlers: readonly WebHandlerEntry[] = WEB_HANDLERS,
): WebHandlerEntry[] {
  return handlers.filter((handler) => existsSync(path.join(repoRoot, handler.entry)));
}
