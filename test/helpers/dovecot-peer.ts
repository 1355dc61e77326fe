/**
 * A private Dovecot 2.3 (Debian's dovecot-imapd) as the IMAP reference peer: its own config,
 * base_dir, state, log and maildirs under a temp dir, IMAP without TLS on 127.0.0.1 only, users
 * in a passwd-file with {PLAIN} passwords. The mailboxes, special-use attributes and namespace
 * mirror what Nimbus gives a new account (INBOX, Drafts, Sent, Trash, Junk, Archive, created on
 * first login and subscribed; personal namespace "" with "/"), so LIST outputs are comparable.
 *
 * Extensions configured: everything Dovecot 2.3 has built in, plus METADATA (imap_metadata with a
 * file dict), ACL with a shared namespace "Shared/<user>/" (acl vfile, shared dict), QUOTA (count
 * driver, per-user STORAGE limits), NOTIFY (notify plugin + mailbox list index), COMPRESS
 * (imap_zlib). `mail_fsync = always`, so it is as durable as Nimbus for benchmarks.
 *
 * From a tiny script (another terminal), e.g. `npx tsx /tmp/dv.ts`:
 *
 *   import { startDovecotPeer } from '/work/main/test/helpers/dovecot-peer';
 *   const dv = await startDovecotPeer({ users: [{ address: 'alice@example.test', password: 'secret' }] });
 *   console.log('dovecot on 127.0.0.1:' + dv.port, 'log', dv.logPath);
 *   // … talk to it with RawImap.connect(dv.port), imapflow or `python3 -c "import imaplib…"` …
 *   await dv.stop();
 *
 * Runs as root (mail processes as the `mail` user, login/auth as Dovecot's own users) or as any
 * other user (then every process runs as that user, no chroot).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/** Debian's path; NIMBUS_DOVECOT_BINARY points elsewhere (another distribution, or a missing one to test the skip). */
export const DOVECOT_BINARY = process.env.NIMBUS_DOVECOT_BINARY ?? '/usr/sbin/dovecot';

/** True when Dovecot is installed (suites that need it skip otherwise). */
export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BINARY);
}

export interface DovecotUser {
  address: string;
  password: string;
  /** STORAGE quota in bytes (default: the peer's `quotaBytes`, else none). */
  quotaBytes?: number;
}

export interface DovecotPeerOptions {
  users?: DovecotUser[];
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Quota for users that don't set their own (default: none, like a Nimbus account without one). */
  quotaBytes?: number;
  /** Prefix of the shared namespace (default "Shared/"; each user's mailboxes below `<prefix><user>/`). */
  sharedPrefix?: string;
  /** Extra top-level config lines, appended last (they override the defaults above them). */
  extraConfig?: string[];
}

interface Identity {
  /** uid/gid the mail processes run as (owner of the maildirs). */
  uid: number;
  gid: number;
  /** Extra config for running without root. */
  config: string[];
}

function identity(): Identity {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) {
    // Dovecot refuses to touch mail as root: use the `mail` system user (uid 8 on Debian).
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('mail:'));
    const fields = line?.split(':') ?? [];
    return { uid: Number(fields[2] ?? 8), gid: Number(fields[3] ?? 8), config: [] };
  }
  const user = os.userInfo().username;
  return {
    uid,
    gid: process.getgid?.() ?? uid,
    config: [`default_login_user = ${user}`, `default_internal_user = ${user}`],
  };
}

const SPECIAL_USE: [string, string][] = [
  ['Drafts', '\\Drafts'],
  ['Sent', '\\Sent'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

export class DovecotPeer {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-dovecot-'));
  readonly logPath = path.join(this.dir, 'dovecot.log');
  readonly home = path.join(this.dir, 'home');
  private readonly usersPath = path.join(this.dir, 'users');
  private readonly id = identity();
  private child: ChildProcess | null = null;
  port = 0;

  constructor(private readonly options: DovecotPeerOptions = {}) {}

  async start(): Promise<this> {
    this.port = this.options.port ?? (await freePort());
    // Auth (dovecot user) reads the passwd-file; login/anvil processes reach base_dir.
    chmodSync(this.dir, 0o755);
    mkdirSync(this.home, { mode: 0o755 });
    chownSync(this.home, this.id.uid, this.id.gid);
    writeFileSync(this.usersPath, '', { mode: 0o644 });
    for (const user of this.options.users ?? []) this.appendUser(user);
    const configPath = path.join(this.dir, 'dovecot.conf');
    writeFileSync(configPath, this.config(), { mode: 0o644 });
    const child = spawn(DOVECOT_BINARY, ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<never>((_resolve, reject) =>
      child.once('exit', (code) => reject(new Error(`dovecot exited (${code}): ${stderr}${this.log()}`))),
    );
    await Promise.race([this.waitReady(), exited]);
    child.removeAllListeners('exit');
    return this;
  }

  /**
   * Adds a user. Dovecot re-reads a changed passwd-file at most once a second, so on a running
   * peer this waits just over a second before the user can log in.
   */
  async addUser(user: DovecotUser): Promise<void> {
    this.appendUser(user);
    if (this.child) await new Promise((r) => setTimeout(r, 1_100));
  }

  private appendUser(user: DovecotUser): void {
    const [local, domain] = user.address.split('@');
    const home = path.join(this.home, domain ?? 'local', local);
    // Like a new Nimbus account, every default mailbox starts subscribed (auto = subscribe would
    // keep them subscribed for ever, UNSUBSCRIBE notwithstanding).
    const maildir = path.join(home, 'Maildir');
    mkdirSync(maildir, { recursive: true });
    writeFileSync(
      path.join(maildir, 'subscriptions'),
      ['INBOX', ...SPECIAL_USE.map(([name]) => name), ''].join('\n'),
    );
    for (const dir of [path.dirname(home), home, maildir, path.join(maildir, 'subscriptions')])
      chownSync(dir, this.id.uid, this.id.gid);
    const quota = user.quotaBytes ?? this.options.quotaBytes;
    const extra = quota !== undefined ? `userdb_quota_rule=*:storage=${quota}B` : '';
    if (/[:\n]/.test(user.address + user.password))
      throw new Error('no ":" or newline in passwd-file fields');
    appendFileSync(
      this.usersPath,
      `${user.address}:{PLAIN}${user.password}:${this.id.uid}:${this.id.gid}::${home}::${extra}\n`,
    );
  }

  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      // The master stops its children on SIGTERM before it exits.
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private config(): string {
    const sharedPrefix = this.options.sharedPrefix ?? 'Shared/';
    const mailboxes = SPECIAL_USE.flatMap(([name, use]) => [
      `  mailbox ${name} {`,
      `    special_use = ${use}`,
      '    auto = create',
      '  }',
    ]);
    return [
      `base_dir = ${this.dir}/run`,
      `state_dir = ${this.dir}/state`,
      `log_path = ${this.logPath}`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      // no 2 s pause after a failed login: the differential scripts fail logins on purpose
      'auth_failure_delay = 0',
      'first_valid_uid = 1',
      'first_valid_gid = 1',
      'mail_fsync = always',
      'mail_location = maildir:~/Maildir',
      'mailbox_list_index = yes',
      'mail_plugins = acl quota notify zlib',
      'imap_metadata = yes',
      'mail_attribute_dict = file:%h/dovecot-attributes',
      ...this.id.config,
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${this.usersPath}`,
      '}',
      'userdb {',
      '  driver = passwd-file',
      `  args = username_format=%u ${this.usersPath}`,
      '}',
      'namespace inbox {',
      '  inbox = yes',
      '  separator = /',
      '  prefix =',
      ...mailboxes,
      '}',
      'namespace shared {',
      '  type = shared',
      '  separator = /',
      `  prefix = ${sharedPrefix}%%u/`,
      '  location = maildir:%%h/Maildir:INDEXPVT=~/shared/%%u',
      '  subscriptions = no',
      '  list = children',
      '}',
      'plugin {',
      // no ACL cache: a revoked right takes effect at once, as in Nimbus
      '  acl = vfile:cache_secs=0',
      // "anyone" grants, as Nimbus allows them (Dovecot forbids them by default)
      '  acl_anyone = allow',
      `  acl_shared_dict = file:${this.home}/shared-mailboxes.db`,
      '  quota = count:User quota',
      '  quota_vsizes = yes',
      '}',
      'protocol imap {',
      '  mail_plugins = $mail_plugins imap_acl imap_quota imap_zlib',
      '}',
      'service imap-login {',
      '  chroot =',
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${this.port}`,
      '  }',
      '  inet_listener imaps {',
      '    port = 0',
      '  }',
      '}',
      'service anvil {',
      '  chroot =',
      '}',
      ...(this.options.extraConfig ?? []),
      '',
    ].join('\n');
  }

  /** Until a connection gets the real greeting (the first ones may get "Waiting for authentication"). */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const greeting = await this.greeting().catch(() => '');
      if (/^\* OK \[CAPABILITY [^\]]*\] /.test(greeting)) return;
      if (Date.now() > deadline) throw new Error(`dovecot not ready: ${greeting}\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private greeting(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, '127.0.0.1');
      let data = '';
      const timer = setTimeout(() => finish(), 2_000);
      const finish = (): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      };
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        data += d;
        if (data.includes('\r\n')) {
          const first = data.slice(0, data.indexOf('\r\n'));
          if (!first.startsWith('* OK Waiting')) finish();
          else data = '';
        }
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('close', finish);
    });
  }
}

export async function startDovecotPeer(options: DovecotPeerOptions = {}): Promise<DovecotPeer> {
  return new DovecotPeer(options).start();
}
