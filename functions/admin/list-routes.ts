/**
 * Admin API routes for mailing lists (/api/admin/lists/…): lists, members, held posts. They run
 * the core/lists list.* commands that `nimbus list` runs, so every change is audited by
 * executeAdminCommand like the others.
 */
import { AdminError } from '../../core/admin/admin-commands';
import type { DeliveryMode } from '../../core/lists/types';
import type { Router, WebHandler, WebRequest } from '../web/types';
import type { CommandOf } from './command-route';
import type { Body } from './request-body';

type Run = (action: string, command: CommandOf, status?: number) => WebHandler;

const optionalString = (b: Body, key: string): string | undefined => {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AdminError('invalid', `${key} must be a string`);
  return v;
};

const optionalBool = (b: Body, key: string): boolean | undefined => {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new AdminError('invalid', `${key} must be true or false`);
  return v;
};

const addresses = (b: Body, key: string): string[] | undefined => {
  const v = b[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new AdminError('invalid', `${key} must be an array of addresses`);
  return v as string[];
};

/** The body minus the role fields: the list's settings (validated by core/lists). */
function settings(b: Body): Record<string, unknown> {
  const { owners: _o, moderators: _m, allow: _a, address: _x, ...rest } = b;
  return rest;
}

export function addListRoutes(router: Router, run: Run, p: (path: string) => string): void {
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';
  router.add(
    'GET',
    p('/lists'),
    run('list.list', (r) => ({ op: 'list.list', domain: r.query.get('domain') ?? undefined })),
  );
  router.add(
    'POST',
    p('/lists'),
    run(
      'list.add',
      (_r, b) => ({
        op: 'list.add',
        address: optionalString(b, 'address') ?? '',
        settings: settings(b),
        owners: addresses(b, 'owners'),
        moderators: addresses(b, 'moderators'),
      }),
      201,
    ),
  );
  router.add(
    'GET',
    p('/lists/:list'),
    run('list.show', (r) => ({ op: 'list.show', address: param(r, 'list') })),
  );
  router.add(
    'PATCH',
    p('/lists/:list'),
    run('list.set', (r, b) => ({
      op: 'list.set',
      address: param(r, 'list'),
      settings: settings(b),
      owners: addresses(b, 'owners'),
      moderators: addresses(b, 'moderators'),
      allow: addresses(b, 'allow'),
    })),
  );
  router.add(
    'DELETE',
    p('/lists/:list'),
    run('list.remove', (r) => ({ op: 'list.remove', address: param(r, 'list') })),
  );
  router.add(
    'GET',
    p('/lists/:list/members'),
    run('list.members', (r) => ({
      op: 'list.members',
      address: param(r, 'list'),
      cursor: r.query.get('cursor') ?? undefined,
      limit: r.query.has('limit') ? Number(r.query.get('limit')) : undefined,
    })),
  );
  router.add(
    'POST',
    p('/lists/:list/members'),
    run(
      'list.subscribe',
      (r, b) => ({
        op: 'list.subscribe',
        address: param(r, 'list'),
        member: optionalString(b, 'address') ?? '',
        displayName: optionalString(b, 'displayName') ?? null,
        deliveryMode: optionalString(b, 'deliveryMode') as DeliveryMode | undefined,
        moderated: optionalBool(b, 'moderated'),
      }),
      201,
    ),
  );
  router.add(
    'DELETE',
    p('/lists/:list/members/:member'),
    run('list.unsubscribe', (r) => ({
      op: 'list.unsubscribe',
      address: param(r, 'list'),
      member: param(r, 'member'),
    })),
  );
  router.add(
    'GET',
    p('/lists/:list/held'),
    run('list.held', (r) => ({ op: 'list.held', address: param(r, 'list') })),
  );
  for (const action of ['approve', 'reject', 'discard', 'defer'] as const) {
    router.add(
      'POST',
      p(`/lists/:list/held/:id/${action}`),
      run(`list.${action}`, (r, b) => ({
        op: `list.${action}`,
        address: param(r, 'list'),
        id: param(r, 'id'),
        reason: optionalString(b, 'reason'),
      })),
    );
  }
}
