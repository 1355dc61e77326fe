/**
 * Postfix as the SMTP peer of `bench -- versus`: a private instance (own config, queue, log and
 * mail under a temp dir) on a loopback port, delivering one virtual domain into maildirs with
 * virtual(8). Durability as Nimbus's: before smtpd answers 250, cleanup(8) has fsync()ed the queue
 * file (mail_stream_finish_file); virtual(8) fsync()s each maildir file in tmp/ before it renames it
 * into new/ (mail_copy with MAIL_COPY_TOFILE). Neither fsyncs the directory. Both are compiled in,
 * not settings, so the stock configuration is already the durable one. Needs root (like the test
 * peer in test/helpers/postfix-peer.ts, whose availability check and master.cf recipe it shares).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postfixAvailable } from '../../test/helpers/postfix-peer';
import { freePort, waitForPort } from '../../test/helpers/ports';

export { postfixAvailable };

export interface PostfixMaildirOptions {
  /** The postfix command (default the installed /usr/sbin/postfix). */
  binary?: string;
  /** The stock master.cf to derive ours from (default /etc/postfix/master.cf). */
  masterTemplate?: string;
  /** Owner of the queue (default postfix, the user Debian's package creates). */
  mailOwner?: string;
  /** More main.cf lines, last (they win), e.g. the directories of a Postfix unpacked elsewhere. */
  extraMain?: string[];
  /** Environment for the postfix command (and, through import_environment, its daemons). */
  env?: Record<string, string>;
}

/**
 * Postfix unpacked rather than installed (`apt-get download postfix && dpkg -x postfix_*.deb DIR`):
 * its own binaries, libraries and stock master.cf, and, as the package's postfix user and postdrop
 * group do not exist then, other unprivileged ones (nothing here uses postdrop). Root still needed.
 */
export function unpackedPostfix(root: string): PostfixMaildirOptions & { env: Record<string, string> } {
  const lib = path.join(root, 'usr/lib/postfix');
  const hasPostfixUser = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((l) => l.startsWith('postfix:'));
  return {
    binary: path.join(root, 'usr/sbin/postfix'),
    masterTemplate: path.join(root, 'usr/share/postfix/master.cf.dist'),
    mailOwner: hasPostfixUser ? 'postfix' : 'nobody',
    extraMain: [
      `daemon_directory = ${lib}/sbin`,
      `command_directory = ${root}/usr/sbin`,
      `shlib_directory = ${lib}`,
      `meta_directory = ${root}/etc/postfix`,
      // The daemons find the package's shared libraries through the master's environment.
      'import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH',
      ...(hasPostfixUser ? [] : ['setgid_group = games', 'default_privs = daemon']),
    ],
    env: { LD_LIBRARY_PATH: lib },
  };
}

export class PostfixMaildirPeer {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-versus-postfix-'));
  private readonly etc = path.join(this.dir, 'etc');
  private readonly mail = path.join(this.dir, 'mail');
  port = 0;

  constructor(
    private readonly domain: string,
    private readonly users: string[],
    private readonly options: PostfixMaildirOptions = {},
  ) {}

  /** Where virtual(8) delivers `address` (a maildir: the trailing slash in the map). */
  maildir(address: string): string {
    const [local, domain] = address.split('@');
    return path.join(this.mail, domain, local);
  }

  /** Messages delivered to `address`: files in its maildir's new/ (and cur/, should anyone read). */
  count(address: string): number {
    let n = 0;
    for (const sub of ['new', 'cur']) {
      try {
        n += readdirSync(path.join(this.maildir(address), sub)).length;
      } catch {
        // not created before the first delivery
      }
    }
    return n;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    const mailUser = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('mail:'))
      ?.split(':') ?? ['mail', 'x', '8', '8'];
    const [uid, gid] = [Number(mailUser[2]), Number(mailUser[3])];
    chmodSync(this.dir, 0o755);
    mkdirSync(this.etc);
    mkdirSync(path.join(this.dir, 'spool'), { mode: 0o755 });
    mkdirSync(path.join(this.dir, 'data'), { mode: 0o700 });
    const owner = this.options.mailOwner ?? 'postfix';
    execFileSync('chown', [`${owner}:`, path.join(this.dir, 'data')]);
    mkdirSync(this.mail, { mode: 0o755 });
    chownSync(this.mail, uid, gid);
    writeFileSync(
      path.join(this.etc, 'vmailbox'),
      this.users.map((u) => `${u} ${this.domain}/${u.split('@')[0]}/\n`).join(''),
    );
    const main = [
      'compatibility_level = 3.6',
      `queue_directory = ${this.dir}/spool`,
      `data_directory = ${this.dir}/data`,
      `mail_owner = ${owner}`,
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      `myhostname = mx.${this.domain}`,
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      `virtual_mailbox_domains = ${this.domain}`,
      `virtual_mailbox_base = ${this.mail}`,
      `virtual_mailbox_maps = texthash:${this.etc}/vmailbox`,
      `virtual_uid_maps = static:${uid}`,
      `virtual_gid_maps = static:${gid}`,
      'virtual_minimum_uid = 1',
      'smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination',
      'disable_dns_lookups = yes',
      'smtp_dns_support_level = disabled',
      `maillog_file = ${this.dir}/maillog`,
      `maillog_file_prefixes = ${this.dir}`,
      'biff = no',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'smtpd_banner = $myhostname ESMTP bench peer',
      ...(this.options.extraMain ?? []),
    ].join('\n');
    writeFileSync(path.join(this.etc, 'main.cf'), `${main}\n`);
    // The stock master.cf without chroot, smtpd on our port instead of 25.
    const master = readFileSync(this.options.masterTemplate ?? '/etc/postfix/master.cf', 'utf8')
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

  private postfix(command: string): void {
    try {
      execFileSync(this.options.binary ?? '/usr/sbin/postfix', ['-c', this.etc, command], {
        stdio: 'pipe',
        env: { ...process.env, ...this.options.env },
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`postfix ${command} failed: ${stderr.trim() || (error as Error).message}`);
    }
  }
}
