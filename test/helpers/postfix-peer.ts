import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { freePort, waitForPort } from './ports';

/** True when Debian's postfix is installed (integration suites skip otherwise). */
export function postfixAvailable(): boolean {
  return existsSync('/usr/sbin/postfix') && process.getuid?.() === 0;
}

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
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-postfix-'));
  readonly etc = path.join(this.dir, 'etc');
  port = 0;

  constructor(private readonly options: PostfixPeerOptions) {}

  async start(): Promise<this> {
    this.port = this.options.port ?? (await freePort());
    // The postfix user must reach its queue under this directory.
    chmodSync(this.dir, 0o755);
    mkdirSync(this.etc, { recursive: true });
    mkdirSync(path.join(this.dir, 'spool'), { mode: 0o755 });
    mkdirSync(path.join(this.dir, 'data'), { mode: 0o700 });
    execFileSync('chown', ['postfix:', path.join(this.dir, 'data')]);
    const pems = await selfsigned.generate([{ name: 'commonName', value: `mx.${this.options.domain}` }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    writeFileSync(path.join(this.etc, 'key.pem'), pems.private, { mode: 0o600 });
    writeFileSync(path.join(this.etc, 'cert.pem'), pems.cert);
    this.writeMaps();
    const main = [
      'compatibility_level = 3.6',
      `queue_directory = ${this.dir}/spool`,
      `data_directory = ${this.dir}/data`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      `myhostname = mx.${this.options.domain}`,
      `mydomain = ${this.options.domain}`,
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      `virtual_alias_domains = ${this.options.domain}`,
      `virtual_alias_maps = texthash:${this.etc}/virtual`,
      `transport_maps = texthash:${this.etc}/transport`,
      `smtpd_recipient_restrictions = check_recipient_access texthash:${this.etc}/access, permit_mynetworks, reject_unauth_destination`,
      'disable_dns_lookups = yes',
      'smtp_host_lookup = native',
      'smtp_dns_support_level = disabled',
      `maillog_file = ${this.dir}/maillog`,
      `maillog_file_prefixes = ${this.dir}`,
      'smtpd_tls_security_level = may',
      `smtpd_tls_cert_file = ${this.etc}/cert.pem`,
      `smtpd_tls_key_file = ${this.etc}/key.pem`,
      'smtpd_tls_received_header = yes',
      'smtp_tls_security_level = may',
      'queue_run_delay = 1s',
      'minimal_backoff_time = 1s',
      'maximal_backoff_time = 2s',
      'biff = no',
      'smtputf8_enable = yes',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'smtpd_banner = $myhostname ESMTP test peer',
    ].join('\n');
    writeFileSync(path.join(this.etc, 'main.cf'), main + '\n');
    // The stock master.cf without chroot, listening on our port instead of 25.
    const master = readFileSync('/etc/postfix/master.cf', 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#') && line.trim() !== '')
      .filter((line) => !/^(smtp|submission|smtps)\s+inet/.test(line))
      .map((line) => line.replace(/^(\S+\s+\S+\s+\S+\s+\S+\s+)y(\s)/, '$1n$2'))
      .join('\n');
    writeFileSync(
      path.join(this.etc, 'master.cf'),
      `127.0.0.1:${this.port} inet n - n - - smtpd\n${master}\n`,
    );
    this.postfix('check');
    this.postfix('start');
    await waitForPort(this.port, 'postfix');
    return this;
  }

  /** Rewrites the maps (e.g. lifts a 450) and makes Postfix reread them. */
  update(changes: Partial<Pick<PostfixPeerOptions, 'access' | 'aliases'>>): void {
    Object.assign(this.options, changes);
    this.writeMaps();
    this.postfix('reload');
  }

  log(): string {
    try {
      return readFileSync(path.join(this.dir, 'maillog'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    try {
      this.postfix('stop');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
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

  private postfix(command: string): void {
    try {
      execFileSync('/usr/sbin/postfix', ['-c', this.etc, command], { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`postfix ${command} failed: ${stderr.trim() || (error as Error).message}`);
    }
  }
}
