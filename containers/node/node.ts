import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { executeAdminCommand, type AdminCommand } from '../../core/admin/admin-commands';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { processInboundJob } from '../../core/delivery/inbound-job';
import { LocalDelivery } from '../../core/delivery/local-delivery';
import { MessageAcceptor } from '../../core/delivery/message-acceptor';
import { VacationResponder } from '../../core/delivery/vacation-responder';
import { Directory } from '../../core/directory/directory';
import { MailboxStore } from '../../core/store/mailbox-store';
import { InMemoryMetrics } from '../../core/ports/metrics';
import { EmfMetrics } from '../../core/adapters/aws/emf-metrics';
import { collectGarbage } from '../../core/store/blob-refs';
import { BatchSpoolWorker } from '../workers/spool-worker';
import { BatchDelivery } from '../../core/delivery/batch-delivery';
import type { LeasedJob } from '../../core/ports/spool';
import { HttpServer } from '../http/http-server';
import { loadTlsContext } from '../net/tls-context';
import { SmtpServer } from '../smtp/smtp-server';
import { InboundPolicy } from '../smtp/inbound-policy';
import { SubmissionPolicy } from '../smtp/submission-policy';
import { ImapAppender } from '../../core/store/imap-append';
import { DkimKeyStore } from '../../core/dkim/dkim-keys';
import { loadSecretKey } from '../../core/dkim/secret-box';
import { srsFromSecretKey } from '../../core/mail/srs';
import { startRelay, type RelayHandle } from '../workers/relay-setup';
// Security policy (issue #4 B): settings in SQL, DNS through the Resolver port, scanner clients.
import { InboundSecurity } from '../../core/security/inbound-security';
import { SecuritySettingsStore } from '../../core/security/settings-store';
import type { Resolver } from '../../core/ports/resolver';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { SystemResolver } from '../../core/adapters/dns/system-resolver';
import { ClamdClient } from '../../core/adapters/scanners/clamd-client';
import { RspamdClient } from '../../core/adapters/scanners/rspamd-client';
import { SpamdClient } from '../../core/adapters/scanners/spamd-client';
import { parseEndpoint } from '../../core/adapters/scanners/tcp-exchange';
import { Pop3Server } from '../pop3/pop3-server';
import { DEFAULT_IMAP_OPTIONS, ImapServer } from '../imap/imap-server';
import { adminRoute } from './admin-endpoint';
import { healthRoute } from './health';
import { registerGauges } from './gauges';
import { openStorage, type Storage } from './storage';
import type { NodeConfig } from './config';
import { DEFAULT_ROLES, type Role } from './roles';
import { acquireDataDirLock, writeNodeFiles, removeNodeFiles } from './node-files';
import { webHandler, loadAssets } from '../../functions/web/node-web';
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
  admin(command: AdminCommand): Promise<unknown>;
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
  await fs.mkdir(config.dataDir, { recursive: true });
  const releaseLock = config.databaseUrl ? async () => undefined : await acquireDataDirLock(config.dataDir);
  const nodeId = config.nodeId ?? (await stableNodeId(config.dataDir));
  const storage = await openStorage(config, log);
  // Jobs this node had leased before it died are ours to redo now, not after the lease expires.
  const released = await storage.spool.releaseLeases(nodeId);
  if (released > 0) log.warn({ released }, 'released spool leases left by an earlier run of this node');
  const secretKey = await loadSecretKey(config.secretKey, config.dataDir);
  const directory = new Directory(storage.db, { srs: srsFromSecretKey(secretKey) });
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
  const authThrottle = new AuthThrottle(config.authThrottle, Date.now, () =>
    metrics.increment('auth_failures'),
  );
  const tlsContext = await loadTlsContext(config.dataDir, config.hostname, config.tls);
  const stoppers: (() => Promise<void>)[] = [];
  // NIMBUS_METRICS=emf: CloudWatch Embedded Metric Format on stdout every 60 s (and /metrics as before).
  const metrics =
    config.metrics === 'emf'
      ? new EmfMetrics({ stage: config.stage, roles: config.roles })
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
    const batch = new BatchDelivery(storage.db, storage.blobs, storage.spool, storage.events, vacation);
    const deliverOne = async (job: LeasedJob) => {
      const outcome = await processInboundJob(job, { db: storage.db, spool: storage.spool, delivery });
      metrics.increment(
        outcome === 'delivered'
          ? 'messages_delivered'
          : outcome === 'retry'
            ? 'messages_deferred'
            : 'messages_bounced',
      );
    };
    inboundWorker = new BatchSpoolWorker(
      storage.spool,
      async (jobs) => {
        // Plain local recipients in one set-based transaction; aliases, forwards and failures per job.
        const { delivered, rest } = await batch.deliver(jobs);
        metrics.increment('messages_delivered', delivered.length);
        await Promise.all(rest.map(deliverOne));
        relay?.notify();
      },
      {
        queue: 'inbound',
        owner: nodeId,
        concurrency: config.delivery.concurrency,
        batchSize: config.delivery.batchSize,
        leaseSeconds: config.delivery.leaseSeconds,
        pollIntervalMs: config.delivery.pollIntervalMs,
      },
      log.child({ worker: 'delivery' }),
    );
  }
  const acceptor = new MessageAcceptor(storage.db, storage.blobs, storage.spool, () => {
    metrics.increment('messages_accepted');
    inboundWorker?.notify();
  });

  // Security settings live in SQL (a change on one node applies to all); config values are bootstrap defaults.
  const securitySettings = new SecuritySettingsStore(
    storage.db,
    { 'relay.networks': config.smtp.relayNetworks },
    config.security.settingsCacheSeconds,
  );
  const securityResolver: Resolver =
    deps.resolver ??
    (Object.keys(config.relay.resolverOverrides).length > 0
      ? new OverrideResolver(config.relay.resolverOverrides)
      : new SystemResolver());
  const scanTimeoutMs = config.security.scanTimeoutMs;
  const security = new InboundSecurity({
    db: storage.db,
    settings: securitySettings,
    resolver: securityResolver,
    hostname: config.hostname,
    log: log.child({ component: 'security' }),
    scanners: {
      rspamd: new RspamdClient(config.security.rspamdUrl, {
        timeoutMs: scanTimeoutMs,
        password: config.security.rspamdPassword,
      }),
      spamd: new SpamdClient(parseEndpoint(config.security.spamdAddress, 783), { timeoutMs: scanTimeoutMs }),
      clamd: new ClamdClient(parseEndpoint(config.security.clamdAddress, 3310), { timeoutMs: scanTimeoutMs }),
    },
  });
  await securitySettings.effective();

  const smtpServers: SmtpServer[] = [];
  if (has('mx')) {
    const mx = new SmtpServer(
      {
        name: 'mx',
        hostname: config.hostname,
        limits: config.smtp,
        pregreetMs: config.smtp.pregreetMs,
        trustedNetworks: config.smtp.trustedNetworks,
        authEnabled: true,
        authRequired: false,
        allowInsecureAuth: config.smtp.allowInsecureAuth,
        rejectBareLineEndings: config.smtp.rejectBareLineEndings,
        implicitTls: false,
        proxyNetworks: config.proxyProtocol.trustedNetworks,
      },
      new InboundPolicy(directory, acceptor, config.smtp.relayNetworks, security),
      tlsContext.context,
      authThrottle,
      log,
    );
    ports.smtp = await mx.listen(config.ports.smtp, config.host);
    smtpServers.push(mx);
  }
  if (has('submission')) {
    const policy = new SubmissionPolicy(
      storage.db,
      directory,
      acceptor,
      config.submission,
      log.child({ service: 'submission' }),
      new ImapAppender(storage.db, storage.blobs, mailboxes, storage.events),
    );
    for (const [service, implicitTls] of [
      ['submission', false],
      ['submissions', true],
    ] as const) {
      const server = new SmtpServer(
        {
          name: 'submission',
          hostname: config.hostname,
          limits: config.smtp,
          pregreetMs: 0,
          trustedNetworks: config.smtp.trustedNetworks,
          authEnabled: true,
          authRequired: true,
          // AUTH only over TLS: after STARTTLS on 587, from the start on 465.
          allowInsecureAuth: false,
          rejectBareLineEndings: config.smtp.rejectBareLineEndings,
          implicitTls,
          proxyNetworks: config.proxyProtocol.trustedNetworks,
        },
        policy,
        tlsContext.context,
        authThrottle,
        log,
      );
      ports[service] = await server.listen(config.ports[service], config.host);
      smtpServers.push(server);
    }
  }
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

  const pop3Servers: Pop3Server[] = [];
  if (has('pop3')) {
    for (const [service, implicitTls] of [
      ['pop3', false],
      ['pop3s', true],
    ] as const) {
      const pop3 = new Pop3Server({
        options: {
          ...config.pop3,
          hostname: config.hostname,
          implicitTls,
          proxyNetworks: config.proxyProtocol.trustedNetworks,
        },
        directory,
        store: mailboxes,
        db: storage.db,
        secureContext: tlsContext.context,
        authThrottle,
        log,
        nodeId,
      });
      ports[service] = await pop3.listen(config.ports[service], config.host);
      pop3Servers.push(pop3);
      stoppers.push(() => pop3.close());
    }
  }

  const imapServers: ImapServer[] = [];
  if (has('imap')) {
    for (const [service, implicitTls] of [
      ['imap', false],
      ['imaps', true],
    ] as const) {
      const imap = new ImapServer({
        options: {
          ...DEFAULT_IMAP_OPTIONS,
          ...config.imap,
          hostname: config.hostname,
          implicitTls,
          proxyNetworks: config.proxyProtocol.trustedNetworks,
        },
        directory,
        store: mailboxes,
        db: storage.db,
        blobs: storage.blobs,
        events: storage.events,
        secureContext: tlsContext.context,
        authThrottle,
        log,
        nodeId,
      });
      ports[service] = await imap.listen(config.ports[service], config.host);
      imapServers.push(imap);
      stoppers.push(() => imap.close());
    }
  }

  inboundWorker?.start();
  stoppers.push(async () => inboundWorker?.stop());

  const maintenance = setInterval(() => {
    void runMaintenance(storage, log);
    security.maintenance().catch((error) => log.warn({ err: error }, 'security maintenance failed'));
  }, 600_000);
  maintenance.unref();

  const token = randomBytes(24).toString('hex');
  const admin = (command: AdminCommand) =>
    executeAdminCommand(
      { db: storage.db, directory, spool: storage.spool, security: securitySettings, dkim: dkimKeys },
      command,
    );
  const http = new HttpServer(log);
  const sessions = () => ({
    smtp: smtpServers.reduce((n, server) => n + server.sessionCount, 0),
    pop3: pop3Servers.reduce((n, server) => n + server.sessionCount, 0),
    imap: imapServers.reduce((n, server) => n + server.sessionCount, 0),
  });
  let member: ClusterMember | undefined = undefined;
  http.route(
    'GET',
    '/healthz',
    healthRoute(config, storage, sessions, () => member?.draining ?? false),
  );
  registerGauges(metrics, storage, sessions);
  http.route('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: await metrics.render(),
  }));
  http.route('POST', '/internal/admin', adminRoute(token, admin));
  // Web role (issue #8): JMAP, webmail, admin REST API, autoconfig — functions/ handlers.
  let web: WebContext | undefined;
  if (has('web')) {
    web = {
      db: storage.db,
      blobs: storage.blobs,
      spool: storage.spool,
      events: storage.events,
      directory,
      acceptor,
      admin,
      throttle: authThrottle,
      endpoints: {
        mailHost: config.hostname,
        webBase: process.env.NIMBUS_WEB_BASE ?? null,
        imap: has('imap') ? { port: config.ports.imaps, tls: true } : null,
        pop3: has('pop3') ? { port: config.ports.pop3s, tls: true } : null,
        submission: has('submission') ? { port: config.ports.submissions, tls: true } : null,
      },
      streaming: true,
      nodes: async () => [{ nodeId, roles: config.roles, hostname: config.hostname }],
      assets: () => loadAssets(),
    };
    http.mount(webHandler(web));
  }
  ports.http = await http.listen(config.ports.http, config.host);
  if (web) {
    // Autoconfig answers with the ports actually bound (0 in tests means "any free port").
    web.endpoints.imap &&= { port: ports.imaps ?? config.ports.imaps, tls: true };
    web.endpoints.pop3 &&= { port: ports.pop3s ?? config.ports.pop3s, tls: true };
    web.endpoints.submission &&= { port: ports.submissions ?? config.ports.submissions, tls: true };
  }

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
    sessions,
    // Draining: spool workers finish their batches and take no new jobs; sessions carry on.
    onDrain: async () => {
      await Promise.all([inboundWorker?.stop(), relay?.stop()]);
    },
    log: log.child({ component: 'cluster' }),
  });
  log.info(
    { roles: config.roles, ports, storage: storage.description, dataDir: config.dataDir },
    'node started',
  );
  if (tlsContext.selfSigned)
    log.info({ cert: tlsContext.files.certPath }, 'using a self-signed TLS certificate');

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

async function runMaintenance(storage: Storage, log: Logger): Promise<void> {
  try {
    const removed = await collectGarbage(storage.db, storage.blobs, { graceSeconds: 3600 });
    // Dedupe rows outlive any job (queue lifetime is 5 days).
    await storage.db.query(`DELETE FROM deliveries WHERE delivered_at < now() - interval '10 days'`);
    await storage.db.query(`DELETE FROM maildrop_locks WHERE expires_at < now()`);
    if (removed > 0) log.info({ removed }, 'unreferenced blobs collected');
  } catch (error) {
    log.warn({ err: error }, 'maintenance failed');
  }
}

/** A node id that survives restarts (so it can reclaim its own leases): kept in the data dir. */
async function stableNodeId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'node-id');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const id = `${os.hostname()}-${randomBytes(4).toString('hex')}`;
    await fs.writeFile(file, id + '\n');
    return id;
  }
}
