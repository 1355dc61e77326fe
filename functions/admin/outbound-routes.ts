/**
 * Admin API routes for outbound abuse control (docs/outbound.md): account holds and the
 * rate-limit overrides. They run the core/admin outbound.* commands that `nimbus user hold|release`
 * and `nimbus limits` run, so every change is audited by executeAdminCommand.
 */
import { LIMIT_FIELDS, type LimitScope } from '../../core/outbound/limits';
import type { Router, WebHandler, WebRequest } from '../web/types';
import type { CommandOf } from './command-route';

type Run = (action: string, command: CommandOf, status?: number) => WebHandler;

export function addOutboundRoutes(router: Router, run: Run, p: (path: string) => string): void {
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';
  router.add(
    'GET',
    p('/outbound/holds'),
    run('outbound.holds', () => ({ op: 'outbound.holds' })),
  );
  router.add(
    'PUT',
    p('/users/:address/hold'),
    run('outbound.hold', (r, b) => ({
      op: 'outbound.hold',
      address: param(r, 'address'),
      reason: typeof b.reason === 'string' ? b.reason : undefined,
    })),
  );
  // Releases the account; its held mail goes back to the spool, or is deleted with ?purge=true.
  router.add(
    'DELETE',
    p('/users/:address/hold'),
    run('outbound.release', (r) => ({
      op: 'outbound.release',
      address: param(r, 'address'),
      purge: r.query.get('purge') === 'true',
    })),
  );
  router.add(
    'GET',
    p('/outbound/limits'),
    run('outbound.limits.list', (r) => ({
      op: 'outbound.limits.list',
      scope: (r.query.get('scope') ?? undefined) as LimitScope | undefined,
    })),
  );
  router.add(
    'PUT',
    p('/outbound/limits/:scope/:key'),
    run('outbound.limits.set', (r, b) => {
      const values: Record<string, number | null> = {};
      for (const f of LIMIT_FIELDS) if (f in b) values[f] = b[f] as number | null;
      return {
        op: 'outbound.limits.set',
        scope: param(r, 'scope') as LimitScope,
        key: param(r, 'key'),
        ...values,
      };
    }),
  );
  router.add(
    'DELETE',
    p('/outbound/limits/:scope/:key'),
    run('outbound.limits.clear', (r) => ({
      op: 'outbound.limits.clear',
      scope: param(r, 'scope') as LimitScope,
      key: param(r, 'key'),
    })),
  );
}
