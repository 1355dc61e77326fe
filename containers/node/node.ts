import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  executeAdminCommand,
  SYSTEM_ORIGIN,
  type AdminCommand,
  type AdminOrigin,
} from '../../core/admin/admin-commands';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { LocalDelivery } from '../../core/delivery/local-delivery';
import { MessageAcceptor } from '../../core/delivery/message-acceptor';
import { outboundControl } from '../../core/outbound/setup';
import { AutomaticLimits } from '../../core/outbound/automatic-limits';
import { SqlSendCounters } from '../../core/outbound/sql-send-counters';
import { VacationResponder } from '../../core/delivery/vacation-responder';
import { Directory } from '../../core/directory/directory';
import { MailboxStore } from '../../core/store/mailbox-store';
import { InMemoryMetrics } from '../../core/ports/metrics';
import { EmfMetrics } from '../../core/adapters/aws/emf-metrics';
import type { BatchSpoolWorker } from '../workers/spool-worker';
import { HttpServer } from '../http/http-server';
import { loadTlsContext } from '../net/tls-context';
import type { SmtpServer } from '../smtp/smtp-server';
import { createListDelivery, createListDeps } from './list-setup';
import { SieveDelivery } from '../../core/sieve/delivery/executor';
import { SieveScriptStore } from '../../core/sieve/script-store';
import { DkimKeyStore } from '../../core/dkim/dkim-keys';
import { loadSecretKey } from '../../core/dkim/secret-box';
import { srsFromSecretKey } from '../../core/mail/srs';
import { startRelay, type RelayHandle } from '../workers/relay-setup';
import type { InboundSecurity } from '../../core/security/inbound-security';
import type { Resolver } from '../../core/ports/resolver';
import { adminRoute } from './admin-endpoint';
import { healthRoutes } from './health';
import { registerGauges } from './gauges';
import { openStorage, type Storage } from './storage';
import type { NodeConfig } from './config';
import { createDeliveryWorker } from './delivery-worker';
import {
  startImap,
  startManageSieve,
  startMx,
  startPop3,
  startSubmission,
  type ListenerContext,
} from './mail-listeners';
import { runMaintenance } from './maintenance';
import { stableNodeId } from './node-id';
import { DEFAULT_ROLES, type Role } from './roles';
import { createSecurity } from './security-setup';
import { acquireDataDirLock, ensureDataDir, writeNodeFiles, removeNodeFiles } from './node-files';
import { createWebContext, useBoundPorts } from './web-role';
import { webHandler } from '../../functions/web/node-web';
import type { WebContext } from '../../functions/web/context';
// Cluster membership (issue #6): registry, heartbeat, drain, dead-peer lease release.
import { ClusterMember } from '../cluster/cluster-member';

export interface NodePorts {
  [service: string]: number | undefined;
  smtp?: number;
  pop3?: number;
  http: number;
}

export interface RunningNode {
  config: NodeConfig;
  ports: NodePorts;
  storage: Storage;
  directory: Directory;
  mailboxes: MailboxStore;
  /** The MX security policy (rate limiters, settings store), for tests and the admin API. */
  security?: InboundSecurity;
  /** The web role's context (JMAP, webmail, admin API), when the node runs `web`. */
  web?: WebContext;
  /** Runs an admin command in this process (what the admin endpoint does). */
  admin(command: AdminCommand, origin?: AdminOrigin): Promise<unknown>;
  /** This node's cluster membership (heartbeat, draining). */
  cluster?: ClusterMember;
  /** Starts draining (health 503, no new spool jobs) and waits `delayMs` for the load balancer. */
  drain(delayMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const BUILT_ROLES = new Set<Role>([...DEFAULT_ROLES]);

/** The local composition root: wires adapters from configuration and starts the node's roles. */
export async function startNode(
  config: NodeConfig,
  log: Logger,
  /** Injected dependencies (tests): the DNS resolver used by the security checks. */
  deps: { resolver?: Resolver } = {},
): Promise<RunningNode> {
  const missing = config.roles.filter((role) => !BUILT_ROLES.has(role));
  if (missing.length > 0) {
    throw new Error(
      `role(s) ${missing.join(', ')} not available in this version (available: ${[...BUILT_ROLES].join(', ')})`,
    );
  }
  await ensureDataDir(config.dataDir);
  const releaseLock = config.databaseUrl ? async () => undefined : await acquireDataDirLock(config.dataDir);
  const nodeId = config.nodeId ?? (await stableNodeId(config.dataDir));
  const storage = await openStorage(config, log);
  // Jobs this node had leased before it died are ours to redo now, not after the lease expires.
  const released = await storage.spool.releaseLeases(nodeId);
  if (released > 0) log.warn({ released }, 'released spool leases left by an earlier run of this node');
  const secretKey = await loadSecretKey(config.secretKey, config.dataDir);
  const directory = new Directory(storage.db, {
    srs: srsFromSecretKey(secretKey),
    recipientCacheSeconds: config.smtp.recipientCacheSeconds,
    authCacheSeconds: config.authCacheSeconds,
  });
  const mailboxes = new MailboxStore(storage.db, storage.blobs, storage.events);
  // Vacation auto-replies go out through the acceptor, which is created further down.
  const vacation = new VacationResponder(storage.db, () => acceptor);
  const delivery = new LocalDelivery(
    storage.db,
    storage.blobs,
    storage.spool,
    directory,
    mailboxes,
    storage.events,
    vacation,
  );
  // Forwards and auto-replies have hourly limits of their own, not the user's (docs/outbound.md).
  if (config.outbound.enabled) {
    const automatic = new AutomaticLimits(new SqlSendCounters(storage.db), config.outbound.automatic);
    delivery.useAutomaticLimits(automatic);
    vacation.useAutomaticLimits(automatic);
  }
  // Sieve at delivery with the configured limits (LocalDelivery's own default uses the defaults).
  delivery.useSieve(
    new SieveDelivery(storage.db, new SieveScriptStore(storage.db, config.sieve), config.sieve),
  );
  const authThrottle = new AuthThrottle(config.authThrottle, Date.now, () =>
    metrics.increment('auth_failures'),
  );
  // Polled for new versions (secret rotation, renewed files): new connections get the new certificate.
  const tlsContext = await loadTlsContext(
    config.dataDir,
    config.hostname,
    config.tls,
    log.child({ component: 'tls' }),
  );
  const stoppers: (() => Promise<void>)[] = [async () => tlsContext.stop()];
  // NIMBUS_METRICS=emf: CloudWatch Embedded Metric Format on stdout every 60 s (and /metrics as before).
  const metrics =
    config.metrics === 'emf'
      ? new EmfMetrics({
          stage: config.stage,
          roles: config.roles,
          intervalMs: config.metricsIntervalSeconds * 1000,
        })
      : new InMemoryMetrics();
  if (metrics instanceof EmfMetrics) {
    metrics.start();
    stoppers.push(() => metrics.stop());
  }
  const ports: NodePorts = { http: 0 };
  const has = (role: Role) => config.roles.includes(role);

  let inboundWorker: BatchSpoolWorker | null = null;
  let relay: RelayHandle | null = null;
  const dkimKeys = new DkimKeyStore(storage.db, secretKey);
  if (has('delivery')) {
    inboundWorker = createDeliveryWorker({
      config,
      storage,
      delivery,
      vacation,
      metrics,
      nodeId,
      log: log.child({ worker: 'delivery' }),
      delivered: () => relay?.notify(),
      lists: () => listDeps,
    });
  }
  const acceptor = new MessageAcceptor(storage.db, storage.blobs, storage.spool, () => {
    metrics.increment('messages_accepted');
    inboundWorker?.notify();
  });
  // The node's outbound guard (limits, signals, holds; undefined when outbound.enabled is false).
  // Every successful login (IMAP, POP3, submission, ManageSieve, webmail, JMAP/EAS Basic) feeds its
  // "logins from many networks" signal (docs/outbound.md).
  const outbound = outboundControl(
    config.outbound,
    storage.db,
    storage.blobs,
    acceptor,
    config.hostname,
    log,
  );
  if (outbound)
    authThrottle.onLogin((address, account) => {
      outbound.guard
        .noteLogin(account, address)
        .catch((err: unknown) => log.warn({ err }, 'login signal not recorded'));
    });

  // The MX security policy; its settings live in SQL (see security-setup.ts).
  const {
    security,
    settings: securitySettings,
    resolver: securityResolver,
  } = createSecurity(config, storage, log, deps.resolver);
  await securitySettings.effective();

  // Mailing lists: posts and commands arrive through delivery; fan-outs and digests are spool jobs.
  const listDeps = createListDeps({
    config,
    storage,
    directory,
    mailboxes,
    acceptor: () => acceptor,
    resolver: securityResolver,
    dkimKeys,
    secretKey,
  });
  const lists = createListDelivery(listDeps, log.child({ component: 'lists' }));
  delivery.useLists(lists);
  directory.useListLookup(async (address) => (await lists.route(address)) !== null);

  const listeners: ListenerContext = {
    config,
    storage,
    directory,
    mailboxes,
    secureContext: tlsContext.context,
    authThrottle,
    log,
    nodeId,
    ports,
  };
  // Apart per role: the SessionsSmtp metric scales mx and submission separately.
  const mxServers: SmtpServer[] = has('mx') ? [await startMx(listeners, acceptor, security)] : [];
  const submissionServers = has('submission') ? await startSubmission(listeners, acceptor) : [];
  const smtpServers = [...mxServers, ...submissionServers];
  stoppers.push(async () => {
    await Promise.all(smtpServers.map((server) => server.close()));
  });

  if (has('mta')) {
    relay = startRelay({
      config,
      storage,
      acceptor,
      dkimKeys,
      resolver: securityResolver,
      nodeId,
      metrics,
      log: log.child({ worker: 'relay' }),
    });
    stoppers.push(() => relay!.stop());
  }

  const pop3Servers = has('pop3') ? await startPop3(listeners) : [];
  for (const pop3 of pop3Servers) stoppers.push(() => pop3.close());
  const imapServers = has('imap') ? await startImap(listeners) : [];
  for (const imap of imapServers) stoppers.push(() => imap.close());
  const managesieve = has('managesieve') ? await startManageSieve(listeners) : null;
  if (managesieve) stoppers.push(() => managesieve.close());

  inboundWorker?.start();
  stoppers.push(async () => inboundWorker?.stop());

  const maintenance = setInterval(() => {
    void runMaintenance(storage, log);
    security.maintenance().catch((error) => log.warn({ err: error }, 'security maintenance failed'));
  }, 600_000);
  maintenance.unref();

  const token = randomBytes(24).toString('hex');
  // In-process callers (tests, setup) are trusted; the endpoint and the web role pass their own origin.
  const admin = (command: AdminCommand, origin: AdminOrigin = SYSTEM_ORIGIN) =>
    executeAdminCommand(
      {
        db: storage.db,
        directory,
        spool: storage.spool,
        security: securitySettings,
        dkim: dkimKeys,
        sieveLimits: config.sieve,
      },
      command,
      origin,
    );
  const http = new HttpServer(log);
  const sessions = () => ({
    smtp: smtpServers.reduce((n, server) => n + server.sessionCount, 0),
    pop3: pop3Servers.reduce((n, server) => n + server.sessionCount, 0),
    imap: imapServers.reduce((n, server) => n + server.sessionCount, 0),
    managesieve: managesieve?.sessionCount ?? 0,
  });
  let member: ClusterMember | undefined = undefined;
  // The NLB's health checks on PROXY v2 target groups carry the header too.
  http.acceptProxyFrom(config.proxyProtocol.trustedNetworks);
  for (const [path, route] of healthRoutes(config, storage, sessions, () => member?.draining ?? false, ports))
    http.route('GET', path, route);
  const count = (servers: SmtpServer[]) => servers.reduce((n, server) => n + server.sessionCount, 0);
  registerGauges(metrics, storage, sessions, () => ({
    mx: count(mxServers),
    submission: count(submissionServers),
  }));
  http.route('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: await metrics.render(),
  }));
  http.route(
    'POST',
    '/internal/admin',
    adminRoute(token, admin, { maxDepth: config.http.maxJsonDepth, maxBytes: config.http.maxJsonBytes }),
  );
  // Web role (issue #8): JMAP, webmail, admin REST API, autoconfig — functions/ handlers.
  let web: WebContext | undefined;
  if (has('web')) {
    web = createWebContext({ config, storage, directory, acceptor, admin, authThrottle, nodeId });
    web.lists = listDeps.settings;
    // JMAP EmailSubmission and ActiveSync SendMail count against the same configured limits as
    // submission (null when outbound.enabled is false).
    web.outbound = outbound ?? null;
    http.mount(webHandler(web), config.http.maxBodyBytes);
  }
  ports.http = await http.listen(config.ports.http, config.host);
  if (web) useBoundPorts(web, ports, config);
  // List links name the port actually bound when none was configured (0: any free port, tests).
  if (!config.lists.webBase && !process.env.NIMBUS_WEB_BASE)
    listDeps.settings.webBase = `http://127.0.0.1:${ports.http}`;

  await writeNodeFiles(config.dataDir, { pid: process.pid, host: config.host, ports, token, nodeId });
  member = await ClusterMember.start({
    db: storage.db,
    spool: storage.spool,
    registration: {
      id: nodeId,
      roles: config.roles,
      host: config.host,
      ports,
      heartbeatSeconds: config.cluster.heartbeatSeconds,
    },
    events: config.cluster.eventBus ? { eventBus: config.cluster.eventBus, stage: config.stage } : undefined,
    sessions,
    // Draining: spool workers finish their batches and take no new jobs; sessions carry on.
    onDrain: async () => {
      await Promise.all([inboundWorker?.stop(), relay?.pause()]);
    },
    onUndrain: () => {
      inboundWorker?.start();
      relay?.resume();
    },
    log: log.child({ component: 'cluster' }),
  });
  log.info(
    { roles: config.roles, ports, storage: storage.description, dataDir: config.dataDir },
    'node started',
  );
  if (tlsContext.selfSigned)
    log.info({ cert: tlsContext.description }, 'using a self-signed TLS certificate');

  let stopped = false;
  return {
    config,
    ports,
    storage,
    directory,
    mailboxes,
    security,
    web,
    admin,
    cluster: member,
    async drain(delayMs = 0) {
      await member?.drain('shutdown requested');
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      log.info('node stopping: draining sessions and workers');
      clearInterval(maintenance);
      for (const stop of stoppers)
        await stop().catch((error) => log.warn({ err: error }, 'stop step failed'));
      await member?.stop();
      await http.close();
      await removeNodeFiles(config.dataDir);
      await storage.close();
      await releaseLock();
      log.info('node stopped');
    },
  };
}
