import type { Route } from '../http/http-server';
import { json } from '../http/http-server';
import type { NodeConfig } from './config';
import { LISTENER_IDS, cachedProbe, probeListener, type ListenerId } from './listener-probe';
import type { Storage } from './storage';

/** GET /healthz: 200 when the database and the store answer, 503 otherwise (the load balancer's check). */
export function healthRoute(
  config: NodeConfig,
  storage: Storage,
  sessions: () => Record<string, number>,
  /** The cluster member's drain state (`nimbus cluster drain`, SIGTERM). */
  isDraining: () => boolean,
  /** A mail listener's self-probe (GET /healthz/<listener>): its accept loop must greet too. */
  listener?: { id: ListenerId; probe: () => Promise<void> },
): Route {
  return async () => {
    const checks: Record<string, string> = {};
    await Promise.all([
      storage.db
        .query('SELECT 1')
        .then(() => (checks.database = 'ok'))
        .catch((error: Error) => (checks.database = `error: ${error.message}`)),
      storage.blobs
        .check()
        .then(() => (checks.blobs = 'ok'))
        .catch((error: Error) => (checks.blobs = `error: ${error.message}`)),
      listener
        ?.probe()
        .then(() => (checks[listener.id] = 'ok'))
        .catch((error: Error) => (checks[listener.id] = `error: ${error.message}`)),
    ]);
    const drained = isDraining();
    const healthy = !drained && Object.values(checks).every((value) => value === 'ok');
    return json(healthy ? 200 : 503, {
      status: healthy ? 'ok' : drained ? 'draining' : 'unhealthy',
      roles: config.roles,
      checks,
      sessions: sessions(),
      storage: storage.description,
    });
  };
}

/**
 * /healthz plus /healthz/<listener> for each mail listener this node runs (the NLB target groups
 * check those, one per port: docs/deploy.md, "Health checks"). `ports` is read at request time.
 */
export function healthRoutes(
  config: NodeConfig,
  storage: Storage,
  sessions: () => Record<string, number>,
  isDraining: () => boolean,
  ports: Partial<Record<string, number>>,
): Map<string, Route> {
  // SIGTERM answers 503 at once, before the cluster member has recorded its drain.
  let terminated = false;
  process.once('SIGTERM', () => (terminated = true));
  const drained = () => terminated || isDraining();
  const routes = new Map<string, Route>([['/healthz', healthRoute(config, storage, sessions, drained)]]);
  const options = { host: config.host, proxyNetworks: config.proxyProtocol.trustedNetworks };
  for (const id of LISTENER_IDS) {
    if (ports[id] === undefined) continue;
    const probe = cachedProbe(() => probeListener(id, ports[id]!, options));
    routes.set(`/healthz/${id}`, healthRoute(config, storage, sessions, drained, { id, probe }));
  }
  return routes;
}
