import type { Route } from '../http/http-server';
import { json } from '../http/http-server';
import type { NodeConfig } from './config';
import type { Storage } from './storage';

/** GET /healthz: 200 when the database and the store answer, 503 otherwise (the load balancer's check). */
export function healthRoute(
  config: NodeConfig,
  storage: Storage,
  sessions: () => Record<string, number>,
  /** The cluster member's drain state (`nimbus cluster drain`, SIGTERM). */
  isDraining: () => boolean = () => false,
): Route {
  let draining = false;
  process.once('SIGTERM', () => (draining = true));
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
    ]);
    const drained = draining || isDraining();
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
