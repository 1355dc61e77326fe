import { writeFileSync } from 'node:fs';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { PostfixInstance, postfixAvailable } from './postfix-instance';

export { postfixAvailable };

export interface PostfixPeerOptions {
  /** Domain Postfix accepts (virtual alias domain). */
  domain: string;
  /** Recipient → where Postfix forwards it (our users). Unlisted recipients get 550 5.1.1. */
  aliases: Record<string, string>;
  /** Destination domain → "host:port" Postfix relays to (our MX), no DNS. */
  transports: Record<string, string>;
  /** Recipient → access action, e.g. "450 4.2.0 come back later". */
  access?: Record<string, string>;
  /** Port to listen on (default: a free one). */
  port?: number;
}

/**
 * A real Postfix as the remote peer, on 127.0.0.1 only, with its own config and queue under a temp
 * dir and a non-standard port; no DNS (transport maps point back at our MX). Needs root (postfix's
 * master drops privileges to the `postfix` user itself).
 */
export class PostfixPeer {
  private readonly instance = new PostfixInstance('nimbus-postfix-');
  readonly etc = this.instance.etc;

  constructor(private readonly options: PostfixPeerOptions) {}

  get port(): number {
    return this.instance.port;
  }

  async start(): Promise<this> {
    const pems = await selfsigned.generate([{ name: 'commonName', value: `mx.${this.options.domain}` }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    writeFileSync(path.join(this.etc, 'key.pem'), pems.private, { mode: 0o600 });
    writeFileSync(path.join(this.etc, 'cert.pem'), pems.cert);
    this.writeMaps();
    await this.instance.start(
      [
        ...this.instance.baseMain(`mx.${this.options.domain}`),
        `mydomain = ${this.options.domain}`,
        `virtual_alias_domains = ${this.options.domain}`,
        `virtual_alias_maps = texthash:${this.etc}/virtual`,
        `transport_maps = texthash:${this.etc}/transport`,
        `smtpd_recipient_restrictions = check_recipient_access texthash:${this.etc}/access, permit_mynetworks, reject_unauth_destination`,
        'smtp_host_lookup = native',
        'smtpd_tls_security_level = may',
        `smtpd_tls_cert_file = ${this.etc}/cert.pem`,
        `smtpd_tls_key_file = ${this.etc}/key.pem`,
        'smtpd_tls_received_header = yes',
        'smtp_tls_security_level = may',
        'queue_run_delay = 1s',
        'minimal_backoff_time = 1s',
        'maximal_backoff_time = 2s',
        'smtputf8_enable = yes',
        'smtpd_banner = $myhostname ESMTP test peer',
      ],
      this.options.port,
    );
    return this;
  }

  /** Rewrites the maps (e.g. lifts a 450) and makes Postfix reread them. */
  update(changes: Partial<Pick<PostfixPeerOptions, 'access' | 'aliases'>>): void {
    Object.assign(this.options, changes);
    this.writeMaps();
    this.instance.run('reload');
  }

  log(): string {
    return this.instance.log();
  }

  stop(): Promise<void> {
    return this.instance.stop();
  }

  private writeMaps(): void {
    const lines = (map: Record<string, string> = {}) =>
      Object.entries(map)
        .map(([key, value]) => `${key} ${value}`)
        .join('\n') + '\n';
    writeFileSync(path.join(this.etc, 'virtual'), lines(this.options.aliases));
    writeFileSync(
      path.join(this.etc, 'transport'),
      lines(
        Object.fromEntries(
          Object.entries(this.options.transports).map(([d, t]) => [
            d,
            `smtp:[${t.replace(/:(\d+)$/, ']:$1')}`,
          ]),
        ),
      ),
    );
    writeFileSync(path.join(this.etc, 'access'), lines(this.options.access));
  }
}
