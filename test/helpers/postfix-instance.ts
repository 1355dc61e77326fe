/**
 * A private Postfix instance: its own config, queue, data and log under a temp dir, smtpd on a
 * loopback port instead of 25, the stock master.cf without chroot. The test peer
 * (postfix-peer.ts) and the bench's maildir peer (bench/lib/postfix-maildir.ts) add their own
 * main.cf lines. Needs root: postfix's master drops privileges to the mail owner itself.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';

/** True when Debian's postfix is installed and we are root (suites and benches skip otherwise). */
export function postfixAvailable(): boolean {
  return existsSync('/usr/sbin/postfix') && process.getuid?.() === 0;
}

export interface PostfixBinaries {
  /** The postfix command (default the installed /usr/sbin/postfix). */
  binary?: string;
  /** The stock master.cf to derive ours from (default /etc/postfix/master.cf). */
  masterTemplate?: string;
  /** Owner of the queue (default postfix, the user Debian's package creates). */
  mailOwner?: string;
  /** Environment for the postfix command (and, through import_environment, its daemons). */
  env?: Record<string, string>;
}

export class PostfixInstance {
  readonly dir: string;
  readonly etc: string;
  port = 0;

  constructor(
    prefix: string,
    private readonly binaries: PostfixBinaries = {},
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.etc = path.join(this.dir, 'etc');
    // The mail owner must reach its queue under this directory.
    chmodSync(this.dir, 0o755);
    mkdirSync(this.etc, { recursive: true });
  }

  get mailOwner(): string {
    return this.binaries.mailOwner ?? 'postfix';
  }

  /** The main.cf lines every private instance needs (queue, loopback only, no DNS, own log). */
  baseMain(hostname: string): string[] {
    return [
      'compatibility_level = 3.6',
      `queue_directory = ${this.dir}/spool`,
      `data_directory = ${this.dir}/data`,
      `mail_owner = ${this.mailOwner}`,
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      `myhostname = ${hostname}`,
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      'disable_dns_lookups = yes',
      'smtp_dns_support_level = disabled',
      `maillog_file = ${this.dir}/maillog`,
      `maillog_file_prefixes = ${this.dir}`,
      'biff = no',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
    ];
  }

  /** Writes main.cf and master.cf, starts Postfix on `port` (default a free one) and waits for it. */
  async start(main: string[], port?: number): Promise<void> {
    this.port = port ?? (await freePort());
    mkdirSync(path.join(this.dir, 'spool'), { mode: 0o755 });
    mkdirSync(path.join(this.dir, 'data'), { mode: 0o700 });
    execFileSync('chown', [`${this.mailOwner}:`, path.join(this.dir, 'data')]);
    writeFileSync(path.join(this.etc, 'main.cf'), `${main.join('\n')}\n`);
    const master = readFileSync(this.binaries.masterTemplate ?? '/etc/postfix/master.cf', 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#') && line.trim() !== '')
      .filter((line) => !/^(smtp|submission|smtps)\s+inet/.test(line))
      .map((line) => line.replace(/^(\S+\s+\S+\s+\S+\s+\S+\s+)y(\s)/, '$1n$2'))
      .join('\n');
    writeFileSync(
      path.join(this.etc, 'master.cf'),
      `127.0.0.1:${this.port} inet n - n - - smtpd\n${master}\n`,
    );
    this.run('check');
    this.run('start');
    await waitForPort(this.port, 'postfix');
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
      this.run('stop');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  run(command: string): void {
    try {
      execFileSync(this.binaries.binary ?? '/usr/sbin/postfix', ['-c', this.etc, command], {
        stdio: 'pipe',
        env: { ...process.env, ...this.binaries.env },
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`postfix ${command} failed: ${stderr.trim() || (error as Error).message}`);
    }
  }
}
