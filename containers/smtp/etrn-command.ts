import { connect } from 'node:net';
import type { Logger } from 'pino';
import type { Spool } from '../../core/ports/spool';
import { mayStartQueue, type RelayDomainStore } from '../../core/relay-domains/relay-domain-store';
import type { RelayDomainRouting } from '../../core/relay-domains/relay-routing';
import type { HeldMail } from '../../core/spool/held-mail';
import { reply, type SmtpReply } from './smtp-reply';
import type { SessionInfo } from './types';

/**
 * ETRN (RFC 1985): a client asks us to start delivering the mail we hold for a node.
 * `ETRN example.org` names one domain, `ETRN @example.org` the domain and its subdomains,
 * `ETRN #queue` a queue by name (our queue names are `#<relay-domain>`).
 */
export type EtrnArgument =
  { kind: 'domain'; name: string } | { kind: 'subdomains'; name: string } | { kind: 'queue'; name: string };

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const NODE = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);

/** Parses the ETRN argument; null is a syntax error (501). */
export function parseEtrnArgument(argument: string): EtrnArgument | null {
  const text = argument.trim();
  if (text.length === 0 || /\s/.test(text)) return null;
  const prefix = text[0];
  const body = prefix === '@' || prefix === '#' ? text.slice(1) : text;
  if (!NODE.test(body)) return null;
  const name = body.replace(/\.$/, '').toLowerCase();
  if (prefix === '@') return { kind: 'subdomains', name };
  if (prefix === '#') return { kind: 'queue', name };
  return { kind: 'domain', name };
}

/** The MX's ETRN handling: permission per relay domain, then release of its held mail. */
export class EtrnService {
  constructor(
    readonly store: RelayDomainStore,
    private readonly held: HeldMail,
    private readonly spool: Spool,
    private readonly log?: Logger,
  ) {}

  async handle(session: SessionInfo, argument: string): Promise<SmtpReply> {
    const parsed = parseEtrnArgument(argument);
    if (!parsed) return reply(501, '5.5.4', 'Syntax: ETRN [@|#]domain');
    const shown = `${parsed.kind === 'subdomains' ? '@' : parsed.kind === 'queue' ? '#' : ''}${parsed.name}`;
    try {
      const domain = await this.store.get(parsed.name);
      if (!domain) return reply(459, '4.7.1', `Node ${shown} not allowed: not a relay domain here`);
      if (!mayStartQueue(domain, { ip: session.remoteAddress, authenticatedAs: session.authenticatedAs })) {
        return reply(459, '4.7.1', `Node ${shown} not allowed: client not authorised for ${domain.name}`);
      }
      const filter = {
        reason: 'relay-domain' as const,
        domain: domain.name,
        includeSubdomains: parsed.kind === 'subdomains',
      };
      const released = await this.held.release(this.spool, filter);
      this.log?.info({ node: shown, released, client: session.remoteAddress }, 'ETRN');
      if (released === 0) return reply(251, '2.0.0', `OK, no messages waiting for node ${shown}`);
      if (parsed.kind === 'queue') return reply(250, '2.0.0', `OK, queuing for node ${shown} started`);
      if (parsed.kind === 'subdomains') {
        return reply(252, '2.0.0', `OK, pending messages for node ${shown} started`);
      }
      return reply(253, '2.0.0', `OK, ${released} pending messages for node ${shown} started`);
    } catch (error) {
      this.log?.warn({ err: error, node: shown }, 'ETRN failed');
      return reply(458, '4.3.0', `Unable to queue messages for node ${shown}`);
    }
  }
}

/**
 * Backup MX: every `intervalMs`, for each backup domain with held mail, checks that its primary
 * answers (TCP connect and a 220 greeting) and then releases the mail to the relay.
 */
export function startBackupProbe(
  routing: RelayDomainRouting,
  spool: Spool,
  log: Logger,
  intervalMs = 60_000,
): { stop(): void; runOnce(): Promise<number> } {
  const runOnce = async (): Promise<number> => {
    let total = 0;
    for (const domain of await routing.store.list()) {
      if (domain.mode !== 'backup') continue;
      const filter = { reason: 'relay-domain' as const, domain: domain.name };
      if ((await routing.held.count(filter)) === 0) continue;
      const targets = await routing.targets(domain.name).catch(() => []);
      let up = false;
      for (const t of targets ?? []) if (!up) up = await answers220(t.address, t.port);
      if (!up) continue;
      const released = await routing.held.release(spool, filter);
      log.info({ domain: domain.name, released }, 'backup MX: primary answers again, held mail released');
      total += released;
    }
    return total;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => log.warn({ err: error }, 'backup MX probe failed'));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}

/** Whether host:port accepts a TCP connection and greets with 220 within `timeoutMs`. */
export function answers220(host: string, port: number, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let data = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) {
        if (data.startsWith('220')) socket.write('QUIT\r\n');
        finish(data.startsWith('220'));
      }
    });
  });
}
