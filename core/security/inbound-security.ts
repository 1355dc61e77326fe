import type { Logger } from 'pino';
import { NetworkList } from './network-list';
import {
  ScannerError,
  type ScanContext,
  type SpamScanner,
  type VirusScanner,
} from '../ports/content-scanner';
import type { Resolver } from '../ports/resolver';
import type { SqlExecutor } from '../ports/sql';
import { authenticateMessage } from './authentication';
import { FOLDER_HEADER, QUARANTINE_HEADER, stripControlHeaders } from './control-headers';
import { checkDnsbl } from './dnsbl';
import { Greylist } from './greylist';
import { RateLimiter } from './rate-limit';
import type { SecuritySettingsStore } from './settings-store';
import { ACTION_RANK, type MessageAction, type SecuritySettings } from './settings';

/** A reply the protocol layer sends (structurally an SMTP reply). */
export interface PolicyReply {
  code: number;
  enhanced?: string;
  lines: string[];
}

const policyReply = (code: number, enhanced: string, text: string): PolicyReply => ({
  code,
  enhanced,
  lines: [text],
});

/** What the security policy knows about a client connection. */
export interface ClientContext {
  sessionId: string;
  ip: string;
  helo: string | null;
  authenticatedAs: string | null;
  /** In the node's trusted networks (config smtp.trustedNetworks: loopback, the cluster). */
  trusted: boolean;
}

export interface MessageInput {
  mailFrom: string;
  recipients: string[];
  /** The hosted domain of each recipient, or null when it is not local (relayed). */
  recipientDomains: (string | null)[];
  data: Buffer;
  queueId?: string;
}

export interface MessageDecision {
  reply: PolicyReply | null;
  /** Header lines (CRLF-terminated) to put on top of the message when it is accepted. */
  headers: string;
  action: MessageAction;
  reasons: string[];
}

export interface InboundSecurityDeps {
  db: SqlExecutor;
  settings: SecuritySettingsStore;
  resolver: Resolver;
  /** Our name: the authserv-id of Authentication-Results. */
  hostname: string;
  scanners?: { rspamd?: SpamScanner; spamd?: SpamScanner; clamd?: VirusScanner };
  log?: Logger;
  rateLimiter?: RateLimiter;
}

/**
 * The inbound security policy of the MX, in the order a session meets it: connection (DNSBL,
 * connection rate), MAIL (message rate per IP / user), RCPT (relay control, greylisting), DATA
 * (SPF/DKIM/DMARC/ARC, spam and virus scanning), and tarpitting of clients that make errors.
 *
 * Exempt from the checks that judge the *client* (DNSBL, rates, greylisting, SPF/DKIM/DMARC,
 * tarpit): authenticated users, the friendly (relay) networks and the node's trusted networks.
 * Content scanning applies to every message whose recipient domain enables it.
 */
export class InboundSecurity {
  readonly rates: RateLimiter;
  private readonly greylist: Greylist;
  private relayCache: { key: string; list: NetworkList } | null = null;
  /** DNSBL listings found at connect with action "tag", per session, for the message headers. */
  private readonly dnsblTags = new Map<string, string>();

  constructor(private readonly deps: InboundSecurityDeps) {
    this.rates = deps.rateLimiter ?? new RateLimiter();
    this.greylist = new Greylist(deps.db);
  }

  get settings(): SecuritySettingsStore {
    return this.deps.settings;
  }

  /** A friendly network ("relay.networks"): may relay without AUTH. */
  async isFriendly(ip: string): Promise<boolean> {
    const settings = await this.deps.settings.effective();
    return this.relayList(settings).contains(ip);
  }

  private relayList(settings: SecuritySettings): NetworkList {
    const key = settings.relayNetworks.join(',');
    if (this.relayCache?.key !== key)
      this.relayCache = { key, list: new NetworkList(settings.relayNetworks) };
    return this.relayCache.list;
  }

  private async exempt(client: ClientContext, settings: SecuritySettings): Promise<boolean> {
    return client.trusted || client.authenticatedAs !== null || this.relayList(settings).contains(client.ip);
  }

  /** At connect: connection rate and DNSBL. A reply means "refuse this connection". */
  async onConnect(client: ClientContext): Promise<PolicyReply | null> {
    const settings = await this.deps.settings.effective();
    if (await this.exempt(client, settings)) return null;
    const rate = this.rates.take(`conn:${client.ip}`, settings.rateIpConnections, settings.rateWindow);
    if (!rate.allowed) {
      this.deps.log?.info({ ip: client.ip }, 'connection rate limit exceeded');
      return policyReply(
        421,
        '4.7.0',
        `Too many connections from ${client.ip}, try again in ${rate.retryAfterSeconds} seconds`,
      );
    }
    if (settings.dnsblZones.length > 0) {
      const hits = await checkDnsbl(this.deps.resolver, client.ip, settings.dnsblZones);
      if (hits.length > 0) {
        const zones = hits.map((h) => h.zone).join(', ');
        this.deps.log?.info({ ip: client.ip, zones }, 'client listed in DNSBL');
        if (settings.dnsblAction === 'reject') {
          return policyReply(
            554,
            '5.7.1',
            `Service unavailable; client [${client.ip}] blocked using ${zones}`,
          );
        }
        this.dnsblTags.set(client.sessionId, `X-Nimbus-DNSBL: ${client.ip} listed in ${zones}\r\n`);
      }
    }
    return null;
  }

  /** The session ended: forget its per-session state. */
  onDisconnect(client: ClientContext): void {
    this.dnsblTags.delete(client.sessionId);
  }

  /** At MAIL: message rate per authenticated user, or per client address. */
  async onSender(client: ClientContext): Promise<PolicyReply | null> {
    const settings = await this.deps.settings.effective();
    if (client.authenticatedAs) {
      const rate = this.rates.take(
        `user:${client.authenticatedAs}`,
        settings.rateUserMessages,
        settings.rateWindow,
      );
      if (!rate.allowed) {
        this.deps.log?.info({ user: client.authenticatedAs }, 'user message rate limit exceeded');
        return policyReply(
          450,
          '4.7.0',
          `Message rate limit exceeded for ${client.authenticatedAs}, try again in ${rate.retryAfterSeconds} seconds`,
        );
      }
      return null;
    }
    if (await this.exempt(client, settings)) return null;
    const rate = this.rates.take(`ip:${client.ip}`, settings.rateIpMessages, settings.rateWindow);
    if (!rate.allowed) {
      this.deps.log?.info({ ip: client.ip }, 'message rate limit exceeded');
      return policyReply(
        450,
        '4.7.0',
        `Message rate limit exceeded for ${client.ip}, try again in ${rate.retryAfterSeconds} seconds`,
      );
    }
    return null;
  }

  /** At RCPT of a local recipient: greylisting when the recipient's domain enables it. */
  async onLocalRecipient(client: ClientContext, mailFrom: string, recipient: string, domain: string) {
    const settings = await this.deps.settings.effective(domain);
    if (!settings.greylisting || (await this.exempt(client, settings))) return null;
    const decision = await this.greylist.check(client.ip, mailFrom, recipient, {
      delaySeconds: settings.greylistingDelay,
      expireDays: settings.greylistingExpireDays,
    });
    if (decision.pass) return null;
    this.deps.log?.info({ ip: client.ip, from: mailFrom, rcpt: recipient }, 'greylisted');
    return policyReply(451, '4.7.1', `Greylisted, please try again in ${decision.retryAfterSeconds} seconds`);
  }

  /** Milliseconds to wait before answering after the session's `errors`-th error (0 = none). */
  tarpitDelay(client: ClientContext, errors: number): number {
    const s = this.deps.settings.globalSnapshot;
    if (s.tarpitAfter <= 0 || errors <= s.tarpitAfter || s.tarpitDelayMs <= 0) return 0;
    if (client.trusted || client.authenticatedAs || this.relayList(s).contains(client.ip)) return 0;
    return Math.min(s.tarpitMaxDelayMs, s.tarpitDelayMs * (errors - s.tarpitAfter));
  }

  /**
   * At the end of DATA: authentication (SPF, DKIM, DMARC, ARC), spam and virus scans. With
   * recipients in several domains the strictest action of their domains applies to the message.
   */
  async onMessage(client: ClientContext, message: MessageInput): Promise<MessageDecision> {
    const global = await this.deps.settings.effective();
    const domains = [...new Set(message.recipientDomains.map((d) => d ?? ''))];
    const scoped = await Promise.all(domains.map((d) => this.deps.settings.effective(d || null)));
    const exempt = await this.exempt(client, global);
    const headers: string[] = [];
    const reasons: string[] = [];
    let action: MessageAction = 'none';
    let reply: PolicyReply | null = null;
    const raise = (to: MessageAction, why: string) => {
      reasons.push(why);
      if (ACTION_RANK[to] > ACTION_RANK[action]) action = to;
    };
    const dnsbl = this.dnsblTags.get(client.sessionId);
    if (dnsbl) {
      headers.push(dnsbl);
      raise('tag', 'dnsbl');
    }

    if (global.authCheck && !exempt) {
      try {
        const verdict = await authenticateMessage(message.data, {
          ip: client.ip,
          helo: client.helo,
          sender: message.mailFrom,
          hostname: this.deps.hostname,
          resolver: this.deps.resolver,
        });
        headers.push(verdict.headers);
        for (const settings of scoped) {
          if (settings.dmarcEnforce && verdict.dmarcPolicy === 'reject') {
            reply = policyReply(
              550,
              '5.7.1',
              `Rejected by the DMARC policy of ${verdict.fromDomain ?? 'the sender domain'}`,
            );
            raise('reject', 'dmarc=fail p=reject');
          } else if (settings.dmarcEnforce && verdict.dmarcPolicy === 'quarantine') {
            raise('junk', 'dmarc=fail p=quarantine');
          }
          if (verdict.spf === 'fail' && verdict.dmarc !== 'pass' && settings.spfFailAction !== 'none') {
            raise(settings.spfFailAction, 'spf=fail');
            if (settings.spfFailAction === 'reject') {
              reply ??= policyReply(550, '5.7.23', 'SPF validation failed');
            }
          }
        }
      } catch (error) {
        // An authentication failure of ours (not of the message) must not lose mail.
        this.deps.log?.warn({ err: error }, 'message authentication failed');
      }
    }
    if (reply) return { reply, headers: headers.join(''), action, reasons };

    const context: ScanContext = {
      clientIp: client.ip,
      helo: client.helo,
      mailFrom: message.mailFrom,
      recipients: message.recipients,
      authenticatedAs: client.authenticatedAs,
      queueId: message.queueId,
      hostname: this.deps.hostname,
    };

    // Anti-virus first: an infected message is refused whatever the spam verdict.
    const avDomains = scoped.filter((s) => s.av !== 'off');
    if (avDomains.length > 0) {
      const scanner = this.deps.scanners?.clamd;
      try {
        if (!scanner) throw new ScannerError('clamd', 'not configured');
        const verdict = await scanner.checkVirus(message.data, context);
        headers.push(
          `X-Nimbus-Virus: ${verdict.infected ? `infected (${verdict.viruses.join(', ')})` : 'clean'}\r\n`,
        );
        if (verdict.infected) {
          const strictest = strictestOf(avDomains.map((s) => s.avAction));
          raise(strictest, `virus ${verdict.viruses.join(', ')}`);
          if (strictest === 'reject') {
            reply = policyReply(
              554,
              '5.7.1',
              `Message rejected: virus found (${verdict.viruses.join(', ')})`,
            );
          }
        }
      } catch (error) {
        this.deps.log?.warn({ err: error }, 'virus scan failed');
        if (avDomains.some((s) => s.avOnError === 'tempfail')) {
          return {
            reply: policyReply(451, '4.7.0', 'Virus scanner unavailable, try again later'),
            headers: '',
            action,
            reasons: [...reasons, 'av error'],
          };
        }
        headers.push('X-Nimbus-Virus: not scanned (scanner unavailable)\r\n');
      }
    }
    if (reply) return { reply, headers: headers.join(''), action, reasons };

    for (const engine of ['rspamd', 'spamd'] as const) {
      const spamDomains = scoped.filter((s) => s.spam === engine);
      if (spamDomains.length === 0) continue;
      const scanner = this.deps.scanners?.[engine];
      try {
        if (!scanner) throw new ScannerError(engine, 'not configured');
        const verdict = await scanner.checkSpam(message.data, context);
        headers.push(
          `X-Nimbus-Spam: ${verdict.spam ? 'Yes' : 'No'}, score=${verdict.score} required=${verdict.threshold}` +
            ` engine=${engine}\r\n`,
        );
        if (verdict.symbols.length > 0) {
          headers.push(`X-Nimbus-Spam-Symbols: ${verdict.symbols.slice(0, 50).join(', ')}\r\n`);
        }
        if (verdict.spam) {
          const strictest = strictestOf(spamDomains.map((s) => s.spamAction));
          raise(strictest, `spam (${engine} ${verdict.score})`);
          if (strictest === 'reject') {
            reply = policyReply(550, '5.7.1', `Message rejected as spam (score ${verdict.score})`);
          }
        }
      } catch (error) {
        this.deps.log?.warn({ err: error }, 'spam scan failed');
        if (spamDomains.some((s) => s.spamOnError === 'tempfail')) {
          return {
            reply: policyReply(451, '4.7.0', 'Spam scanner unavailable, try again later'),
            headers: '',
            action,
            reasons: [...reasons, 'spam error'],
          };
        }
        headers.push(`X-Nimbus-Spam: not scanned (${engine} unavailable)\r\n`);
      }
    }
    if (reply) return { reply, headers: headers.join(''), action, reasons };

    const final = action as MessageAction; // (assigned inside `raise`: TypeScript cannot see it)
    if (final === 'junk') headers.push(`${FOLDER_HEADER}: Junk\r\n`);
    if (final === 'quarantine') {
      headers.push(`${QUARANTINE_HEADER}: ${reasons.join('; ').replace(/[\r\n]/g, ' ')}\r\n`);
      headers.push(`${FOLDER_HEADER}: Quarantine\r\n`);
    }
    return { reply: null, headers: headers.join(''), action, reasons };
  }

  /** The bytes to store: sender-supplied control headers removed, ours on top. */
  finalMessage(data: Buffer, headers: string): Buffer {
    const stripped = stripControlHeaders(data, this.deps.hostname);
    return headers ? Buffer.concat([Buffer.from(headers, 'utf8'), stripped]) : stripped;
  }

  /** Periodic clean-up (greylist triplets past their lifetime). */
  async maintenance(): Promise<void> {
    const settings = await this.deps.settings.effective();
    await this.greylist.expire(settings.greylistingExpireDays);
  }
}

function strictestOf(actions: MessageAction[]): MessageAction {
  return actions.reduce<MessageAction>((a, b) => (ACTION_RANK[b] > ACTION_RANK[a] ? b : a), 'none');
}
