/**
 * Admin API routes for an account's ActiveSync devices: list, remote wipe (whole device or only
 * this account, 16.1), remove. They run the core/admin eas.* commands that `nimbus eas` runs, so
 * wipes and removals are audited by executeAdminCommand like every change.
 */
import { AdminError } from '../../core/admin/admin-commands';
import type { Router, WebHandler, WebRequest } from '../web/types';
import type { CommandOf } from './command-route';

/** `accountOnly` must be a JSON boolean when given: a typo must not turn into a full wipe. */
function accountOnly(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new AdminError('invalid', 'accountOnly must be true or false');
  return value;
}

type Run = (action: string, command: CommandOf, status?: number) => WebHandler;

export function addEasRoutes(router: Router, run: Run, p: (path: string) => string): void {
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';
  router.add(
    'GET',
    p('/users/:address/eas-devices'),
    run('eas.devices', (r) => ({ op: 'eas.devices', address: param(r, 'address') })),
  );
  router.add(
    'POST',
    p('/users/:address/eas-devices/:deviceId/wipe'),
    run('eas.wipe', (r, b) => ({
      op: 'eas.wipe',
      address: param(r, 'address'),
      deviceId: param(r, 'deviceId'),
      accountOnly: accountOnly(b.accountOnly),
    })),
  );
  router.add(
    'DELETE',
    p('/users/:address/eas-devices/:deviceId'),
    run('eas.remove', (r) => ({
      op: 'eas.remove',
      address: param(r, 'address'),
      deviceId: param(r, 'deviceId'),
    })),
  );
}
