/**
 * The node's mail protocol listeners: MX and submission (SMTP), POP3 and IMAP, each plain and
 * with implicit TLS where the protocol has it. Each binds its configured port and records the
 * port actually bound in `ports` (0 in tests means "any free port").
 */
import { RelayDomainStore } from '../../core/relay-domains/relay-domain-store';
import { HeldMail } from '../../core/spool/held-mail';
import { EtrnService } from '../smtp/etrn-command';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import type { Directory } from '../../core/directory/directory';
import type { InboundSecurity } from '../../core/security/inbound-security';
import { ImapAppender } from '../../core/store/imap-append';
import type { MailboxStore } from '../../core/store/mailbox-store';
import { UrlFetcher } from '../../core/store/url-fetch';
import { outboundControl } from '../../core/outbound/setup';
import { DEFAULT_IMAP_OPTIONS, ImapServer } from '../imap/imap-server';
import { Pop3Server } from '../pop3/pop3-server';
import { ManageSieveServer } from '../managesieve/managesieve-server';
import { SIEVE_EXTENSIONS } from '../../core/sieve/index';
import { SieveScriptStore } from '../../core/sieve/script-store';
import { InboundPolicy } from '../smtp/inbound-policy';
import { SmtpServer } from '../smtp/smtp-server';
import { SubmissionPolicy } from '../smtp/submission-policy';
import type { NodeConfig } from './config';
import type { NodePorts } from './node';
import type { Storage } from './storage';
import { BlobHeadCache } from '../../core/store/blob-head-cache';

export interface ListenerContext {
  config: NodeConfig;
  storage: Storage;
  directory: Directory;
  mailboxes: MailboxStore;
  secureContext: () => SecureContext;
  authThrottle: AuthThrottle;
  log: Logger;
  nodeId: string;
  /** Filled in with the ports bound. */
  ports: NodePorts;
}

/** Port 25: mail for hosted domains (and relaying for trusted networks), checked by the security policy. */
export async function startMx(
  context: ListenerContext,
  acceptor: MessageAcceptor,
  security: InboundSecurity,
): Promise<SmtpServer> {
  const { config, directory, ports } = context;
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
    new InboundPolicy(
      directory,
      acceptor,
      config.smtp.relayNetworks,
      security,
      new EtrnService(
        new RelayDomainStore(context.storage.db),
        new HeldMail(context.storage.db),
        context.storage.spool,
        context.log,
      ),
    ),
    context.secureContext,
    context.authThrottle,
    context.log,
  );
  ports.smtp = await mx.listen(config.ports.smtp, config.host);
  return mx;
}

/** Ports 587 (STARTTLS) and 465 (implicit TLS): authenticated users sending mail. */
export async function startSubmission(
  context: ListenerContext,
  acceptor: MessageAcceptor,
): Promise<SmtpServer[]> {
  const { config, storage, directory, mailboxes, ports, log } = context;
  const servers: SmtpServer[] = [];
  const policy = new SubmissionPolicy(
    storage.db,
    directory,
    acceptor,
    config.submission,
    log.child({ service: 'submission' }),
    new ImapAppender(storage.db, storage.blobs, mailboxes, storage.events),
    new UrlFetcher(storage.db, storage.blobs),
    outboundControl(config.outbound, storage.db, storage.blobs, acceptor, config.hostname, log),
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
      context.secureContext,
      context.authThrottle,
      log,
    );
    ports[service] = await server.listen(config.ports[service], config.host);
    servers.push(server);
  }
  return servers;
}

/** POP3 on 110 (STARTTLS) and 995 (implicit TLS). */
export async function startPop3(context: ListenerContext): Promise<Pop3Server[]> {
  const { config, storage, ports } = context;
  const servers: Pop3Server[] = [];
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
      directory: context.directory,
      store: context.mailboxes,
      db: storage.db,
      secureContext: context.secureContext,
      authThrottle: context.authThrottle,
      log: context.log,
      nodeId: context.nodeId,
    });
    ports[service] = await pop3.listen(config.ports[service], config.host);
    servers.push(pop3);
  }
  return servers;
}

/** ManageSieve (RFC 5804) on 4190, STARTTLS only: users upload and activate their Sieve scripts. */
export async function startManageSieve(context: ListenerContext): Promise<ManageSieveServer> {
  const { config, storage, ports } = context;
  const server = new ManageSieveServer({
    options: {
      ...config.managesieve,
      hostname: config.hostname,
      proxyNetworks: config.proxyProtocol.trustedNetworks,
    },
    directory: context.directory,
    scripts: new SieveScriptStore(storage.db, config.sieve),
    extensions: SIEVE_EXTENSIONS,
    secureContext: context.secureContext,
    authThrottle: context.authThrottle,
    log: context.log,
  });
  ports.managesieve = await server.listen(config.ports.managesieve, config.host);
  return server;
}

/** IMAP on 143 (STARTTLS) and 993 (implicit TLS). */
export async function startImap(context: ListenerContext): Promise<ImapServer[]> {
  const { config, storage, ports } = context;
  const servers: ImapServer[] = [];
  // Header reads (list views fetch them again and again) come from memory after the first; one
  // cache for both listeners.
  const { headerCacheBytes, ...imapOptions } = config.imap;
  const blobs = new BlobHeadCache(storage.blobs, headerCacheBytes);
  for (const [service, implicitTls] of [
    ['imap', false],
    ['imaps', true],
  ] as const) {
    const imap = new ImapServer({
      options: {
        ...DEFAULT_IMAP_OPTIONS,
        ...imapOptions,
        hostname: config.hostname,
        implicitTls,
        proxyNetworks: config.proxyProtocol.trustedNetworks,
      },
      directory: context.directory,
      store: context.mailboxes,
      db: storage.db,
      blobs,
      events: storage.events,
      secureContext: context.secureContext,
      authThrottle: context.authThrottle,
      log: context.log,
      nodeId: context.nodeId,
    });
    ports[service] = await imap.listen(config.ports[service], config.host);
    servers.push(imap);
  }
  return servers;
}
