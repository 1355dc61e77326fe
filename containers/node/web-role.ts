/** The web role (issue #8): JMAP, webmail, admin REST API, autoconfig — the functions/ handlers in this process. */
import type { AdminCommand, AdminOrigin } from '../../core/admin/admin-commands';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import type { Directory } from '../../core/directory/directory';
import type { EasOverrides } from '../../functions/eas/settings';
import type { WebContext } from '../../functions/web/context';
import { loadAssets } from '../../functions/web/node-web';
import type { NodeConfig } from './config';
import type { NodePorts } from './node';
import type { Role } from './roles';
import type { Storage } from './storage';

export function createWebContext(options: {
  config: NodeConfig;
  storage: Storage;
  directory: Directory;
  acceptor: MessageAcceptor;
  admin: (command: AdminCommand, origin?: AdminOrigin) => Promise<unknown>;
  authThrottle: AuthThrottle;
  nodeId: string;
}): WebContext & { eas: EasOverrides } {
  const { config, storage } = options;
  const has = (role: Role) => config.roles.includes(role);
  return {
    db: storage.db,
    blobs: storage.blobs,
    spool: storage.spool,
    events: storage.events,
    directory: options.directory,
    acceptor: options.acceptor,
    // Web requests come from outside: never the node's trusted in-process origin.
    admin: (command, origin = { actor: 'unknown' }) => options.admin(command, origin),
    throttle: options.authThrottle,
    endpoints: {
      mailHost: config.hostname,
      webBase: process.env.NIMBUS_WEB_BASE ?? null,
      imap: has('imap') ? { port: config.ports.imaps, tls: true } : null,
      pop3: has('pop3') ? { port: config.ports.pop3s, tls: true } : null,
      submission: has('submission') ? { port: config.ports.submissions, tls: true } : null,
    },
    streaming: true,
    jsonLimits: { maxDepth: config.http.maxJsonDepth, maxBytes: config.http.maxJsonBytes },
    dav: config.dav,
    sieveLimits: config.sieve,
    nodes: async () => [{ nodeId: options.nodeId, roles: config.roles, hostname: config.hostname }],
    assets: () => loadAssets(),
    // ActiveSync limits, policy and Ping bounds from the `eas` section (functions/eas/settings.ts).
    eas: config.eas,
  };
}

/** Autoconfig answers with the ports actually bound (0 in tests means "any free port"). */
export function useBoundPorts(web: WebContext, ports: NodePorts, config: NodeConfig): void {
  web.endpoints.imap &&= { port: ports.imaps ?? config.ports.imaps, tls: true };
  web.endpoints.pop3 &&= { port: ports.pop3s ?? config.ports.pop3s, tls: true };
  web.endpoints.submission &&= { port: ports.submissions ?? config.ports.submissions, tls: true };
}
