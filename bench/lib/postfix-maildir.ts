/**
 * Postfix as the SMTP peer of `bench -- versus`: a private instance (own config, queue, log and
 * mail under a temp dir) on a loopback port, delivering one virtual domain into maildirs with
 * virtual(8). Durability as Nimbus's: before smtpd answers 250, cleanup(8) has fsync()ed the queue
 * file (mail_stream_finish_file); virtual(8) fsync()s each maildir file in tmp/ before it renames it
 * into new/ (mail_copy with MAIL_COPY_TOFILE). Neither fsyncs the directory. Both are compiled in,
 * not settings, so the stock configuration is already the durable one. The private instance itself
 * (queue, master.cf, start/stop) is test/helpers/postfix-instance.ts, as for the test peer; root.
 */
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PostfixInstance, postfixAvailable, type PostfixBinaries } from '../../test/helpers/postfix-instance';

export { postfixAvailable };

export interface PostfixMaildirOptions extends PostfixBinaries {
  /** More main.cf lines, last (they win), e.g. the directories of a Postfix unpacked elsewhere. */
  extraMain?: string[];
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
  private readonly instance: PostfixInstance;
  private readonly mail: string;

  constructor(
    private readonly domain: string,
    private readonly users: string[],
    private readonly options: PostfixMaildirOptions = {},
  ) {
    this.instance = new PostfixInstance('nimbus-versus-postfix-', options);
    this.mail = path.join(this.instance.dir, 'mail');
  }

  get port(): number {
    return this.instance.port;
  }

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
    const mailUser = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('mail:'))
      ?.split(':') ?? ['mail', 'x', '8', '8'];
    const [uid, gid] = [Number(mailUser[2]), Number(mailUser[3])];
    mkdirSync(this.mail, { mode: 0o755 });
    chownSync(this.mail, uid, gid);
    const etc = this.instance.etc;
    writeFileSync(
      path.join(etc, 'vmailbox'),
      this.users.map((u) => `${u} ${this.domain}/${u.split('@')[0]}/\n`).join(''),
    );
    await this.instance.start([
      ...this.instance.baseMain(`mx.${this.domain}`),
      `virtual_mailbox_domains = ${this.domain}`,
      `virtual_mailbox_base = ${this.mail}`,
      `virtual_mailbox_maps = texthash:${etc}/vmailbox`,
      `virtual_uid_maps = static:${uid}`,
      `virtual_gid_maps = static:${gid}`,
      'virtual_minimum_uid = 1',
      'smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination',
      'smtpd_banner = $myhostname ESMTP bench peer',
      ...(this.options.extraMain ?? []),
    ]);
    return this;
  }

  log(): string {
    return this.instance.log();
  }

  stop(): Promise<void> {
    return this.instance.stop();
  }
}
