import { timingSafeEqual } from 'node:crypto';
import { AdminError, type AdminCommand, type AdminOrigin } from '../../core/admin/admin-commands';
import { parseBoundedJson, type JsonLimits } from '../../core/util/bounded-json';
import { json, type Route } from '../http/http-server';

const CLI_ACTOR = /^cli:[A-Za-z0-9._@-]{1,64}$/;

/**
 * POST /internal/admin: runs one admin command for the CLI while the node owns the database.
 * Bearer token from the data dir (mode 0600), so only local users who can read it are admitted.
 * X-Nimbus-Actor (`cli:<os user>`) names who runs the CLI, for the audit log.
 */
export function adminRoute(
  token: string,
  run: (command: AdminCommand, origin: AdminOrigin) => Promise<unknown>,
  limits?: JsonLimits,
): Route {
  const expected = Buffer.from(`Bearer ${token}`);
  return async (req, body) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return json(401, { error: 'unauthorized' });
    }
    let command: AdminCommand;
    try {
      command = parseBoundedJson(body, limits) as AdminCommand;
    } catch (error) {
      return json(400, { error: (error as Error).message });
    }
    try {
      // The CLI names its OS user; anything else is recorded as cli:unknown (never trusted).
      const named = req.headers['x-nimbus-actor'];
      const actor = typeof named === 'string' && CLI_ACTOR.test(named) ? named : 'cli:unknown';
      return json(200, { result: await run(command, { actor }) });
    } catch (error) {
      if (error instanceof AdminError) return json(422, { error: error.message, code: error.code });
      throw error;
    }
  };
}
