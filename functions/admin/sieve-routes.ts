/**
 * Admin API routes for Sieve: a user's scripts and a domain's global scripts. They run the
 * core/admin sieve.* commands that `nimbus sieve` runs, so every change is audited by
 * executeAdminCommand. Script text travels as JSON `{ "content": "…" }`.
 */
import { AdminError } from '../../core/admin/admin-commands';
import type { Router, WebHandler, WebRequest } from '../web/types';
import type { CommandOf } from './command-route';

type Run = (action: string, command: CommandOf, status?: number) => WebHandler;

function content(value: unknown): string {
  if (typeof value !== 'string')
    throw new AdminError('invalid', 'content must be the script text (a string)');
  return value;
}

function phase(value: string): 'before' | 'after' {
  if (value !== 'before' && value !== 'after')
    throw new AdminError('invalid', 'the phase is "before" or "after"');
  return value;
}

export function addSieveRoutes(router: Router, run: Run, p: (path: string) => string): void {
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';
  router.add(
    'GET',
    p('/users/:address/sieve'),
    run('sieve.list', (r) => ({ op: 'sieve.list', address: param(r, 'address') })),
  );
  router.add(
    'GET',
    p('/users/:address/sieve/:name'),
    run('sieve.get', (r) => ({ op: 'sieve.get', address: param(r, 'address'), name: param(r, 'name') })),
  );
  router.add(
    'PUT',
    p('/users/:address/sieve/:name'),
    run('sieve.put', (r, b) => ({
      op: 'sieve.put',
      address: param(r, 'address'),
      name: param(r, 'name'),
      content: content(b.content),
      activate: b.activate === true,
    })),
  );
  router.add(
    'DELETE',
    p('/users/:address/sieve/:name'),
    run('sieve.delete', (r) => ({
      op: 'sieve.delete',
      address: param(r, 'address'),
      name: param(r, 'name'),
    })),
  );
  // { "name": "…" } activates that script; { "name": null } deactivates all.
  router.add(
    'PUT',
    p('/users/:address/sieve-active'),
    run('sieve.activate', (r, b) => {
      if (b.name !== null && typeof b.name !== 'string')
        throw new AdminError('invalid', 'name must be a string or null');
      return { op: 'sieve.activate', address: param(r, 'address'), name: b.name };
    }),
  );
  router.add(
    'GET',
    p('/domains/:domain/sieve/:phase'),
    run('sieve.global.get', (r) => ({
      op: 'sieve.global.get',
      domain: param(r, 'domain'),
      phase: phase(param(r, 'phase')),
    })),
  );
  router.add(
    'PUT',
    p('/domains/:domain/sieve/:phase'),
    run('sieve.global.put', (r, b) => ({
      op: 'sieve.global.put',
      domain: param(r, 'domain'),
      phase: phase(param(r, 'phase')),
      content: content(b.content),
    })),
  );
  router.add(
    'DELETE',
    p('/domains/:domain/sieve/:phase'),
    run('sieve.global.delete', (r) => ({
      op: 'sieve.global.delete',
      domain: param(r, 'domain'),
      phase: phase(param(r, 'phase')),
    })),
  );
}
