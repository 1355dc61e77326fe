/**
 * Admin API routes for relay domains (docs/etrn.md): store-and-forward and backup-MX domains and
 * the flush of their held mail. They run the core/admin relayDomain.* and queue.flush commands
 * that `nimbus relay-domain` and `nimbus queue flush` run, so every change is audited.
 */
import type { RelayMode } from '../../core/relay-domains/relay-domain-store';
import type { Router, WebHandler, WebRequest } from '../web/types';
import type { CommandOf } from './command-route';

type Run = (action: string, command: CommandOf, status?: number) => WebHandler;

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.map((v) => String(v)) : undefined;
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function addRelayDomainRoutes(router: Router, run: Run, p: (path: string) => string): void {
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';
  router.add(
    'GET',
    p('/relay-domains'),
    run('relayDomain.list', () => ({ op: 'relayDomain.list' })),
  );
  router.add(
    'GET',
    p('/relay-domains/:name'),
    run('relayDomain.show', (r) => ({ op: 'relayDomain.show', name: param(r, 'name') })),
  );
  router.add(
    'PUT',
    p('/relay-domains/:name'),
    run('relayDomain.add', (r, b) => ({
      op: 'relayDomain.add',
      name: param(r, 'name'),
      mode: (b.mode ?? 'hold') as RelayMode,
      deliverTo: text(b.deliverTo),
      etrnNetworks: strings(b.etrnNetworks),
      etrnOwner: text(b.etrnOwner),
      recipients: strings(b.recipients),
    })),
  );
  router.add(
    'DELETE',
    p('/relay-domains/:name'),
    run('relayDomain.remove', (r) => ({ op: 'relayDomain.remove', name: param(r, 'name') })),
  );
  // Releases the domain's held mail to the relay (what ETRN does); ?subdomains=true like ETRN @domain.
  router.add(
    'POST',
    p('/relay-domains/:name/flush'),
    run('queue.flush', (r) => ({
      op: 'queue.flush',
      domain: param(r, 'name'),
      includeSubdomains: r.query.get('subdomains') === 'true',
    })),
  );
}
