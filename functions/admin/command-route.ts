/**
 * An admin API route that runs one core/admin AdminCommand: authenticates the admin, builds the
 * command from the request, runs it (core/admin writes the audit entry) and maps AdminError
 * codes to HTTP statuses; a request refused before it became a command is audited here.
 */
import { AdminError, type AdminCommand } from '../../core/admin/admin-commands';
import { audit } from '../../core/webadmin/admins';
import type { WebContext } from '../web/context';
import { jsonResponse, type WebHandler, type WebRequest } from '../web/types';
import { authenticate } from './admin-auth';
import { parseBody, type Body } from './request-body';

export type CommandOf = (request: WebRequest, body: Body) => AdminCommand;

const ERROR_STATUS: Record<string, number> = {
  'not-found': 404,
  duplicate: 409,
  exists: 409,
  invalid: 400,
  'bad-address': 400,
  'bad-domain': 400,
  'unknown-domain': 404,
  'has-accounts': 409,
  'weak-password': 400,
  'alias-loop': 400,
  unavailable: 503,
};

/** `run(action, command, status)`: the handler of a route that runs `command`. */
export function commandRoute(
  ctx: WebContext,
): (action: string, command: CommandOf, status?: number) => WebHandler {
  return (action: string, command: CommandOf, status = 200): WebHandler =>
    async (request) => {
      const admin = await authenticate(ctx, request);
      if ('error' in admin) return jsonResponse(admin.status, { error: admin.error });
      let cmd: AdminCommand | null = null;
      try {
        cmd = command(request, parseBody(request, ctx.jsonLimits));
        // core/admin writes the audit entry (actor, target, old and new value, outcome).
        const result = await ctx.admin(cmd, { actor: admin.name });
        return jsonResponse(status, result);
      } catch (error) {
        const code =
          error instanceof AdminError ? error.code : error instanceof SyntaxError ? 'invalid' : null;
        if (code === null) throw error;
        // A request refused before it became a command (bad body) is not seen by core/admin.
        if (cmd === null && request.method !== 'GET')
          await audit(ctx.db, { actor: admin.name, action, outcome: `error: ${code}` });
        return jsonResponse(ERROR_STATUS[code] ?? 422, { error: (error as Error).message, code });
      }
    };
}
