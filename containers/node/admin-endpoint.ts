import { timingSafeEqual } from 'node:crypto';
import { AdminError, type AdminCommand } from '../../core/admin/admin-commands';
import { json, type Route } from '../http/http-server';

/**
 * POST /internal/admin: runs one admin command for the CLI while the node owns the database.
 * Bearer token from the data dir (mode 0600), so only local users who can read it are admitted.
 */
export function adminRoute(token: string, run: (command: AdminCommand) => Promise<unknown>): Route {
  const expected = Buffer.from(`Bearer ${token}`);
  return async (req, body) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return json(401, { error: 'unauthorized' });
    }
    let command: AdminCommand;
    try {
      command = JSON.parse(body.toString('utf8')) as AdminCommand;
    } catch {
      return json(400, { error: 'invalid JSON' });
    }
    try {
      return json(200, { result: await run(command) });
    } catch (error) {
      if (error instanceof AdminError) return json(422, { error: error.message, code: error.code });
      throw error;
    }
  };
}
