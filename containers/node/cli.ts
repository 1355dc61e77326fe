import { Command, CommanderError, Option } from 'commander';
import { AdminError } from '../../core/admin/admin-error';
import type { AdminCommand } from '../../core/admin/admin-commands';
import { formatSettingValue, type SettingValue } from '../../core/security/settings';
import { runAdmin } from './admin-client';
import { registerDirectoryCommands } from './cli-directory';
import { registerDavCommands } from './cli-dav';
import { registerDnsCommands } from './cli-dns';
import { registerEasCommands } from './cli-eas';
import { registerListCommands } from './cli-lists';
import { registerListArchiveCommands } from './cli-list-archive';
import { registerSieveCommands } from './cli-sieve';
import { registerOutboundCommands } from './cli-outbound';
import {
  formatHeld,
  queueList,
  registerRelayDomainCommands,
  type QueueListOptions,
} from './cli-relay-domains';
import { registerSmokeCommand } from './cli-smoke';
import { passwordFrom } from './cli-input';
import { ConfigError, loadConfig, type NodeConfig } from './config';
import { printResult } from './cli-output';
import { createLogger } from './logger';
import { installProcessGuards } from './process-guards';
import { registerClusterCommands } from '../cluster/cluster-cli';

// libuv's threadpool (fs, crypto) has 4 threads by default: concurrent SMTP accepts (write, fsync,
// rename per blob) would queue behind them. Read when the pool first starts, which is after the
// imports above (they do no threadpool work); an operator's own value wins.
process.env.UV_THREADPOOL_SIZE ??= '16';

/** Exit codes scripts can rely on (documented in the README). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  duplicate: 4,
  invalid: 5,
  unavailable: 6,
} as const;

const ADMIN_EXIT: Record<string, number> = {
  'not-found': EXIT.notFound,
  'unknown-domain': EXIT.notFound,
  duplicate: EXIT.duplicate,
  'bad-address': EXIT.invalid,
  'bad-domain': EXIT.invalid,
  invalid: EXIT.invalid,
  'domain-not-empty': EXIT.failed,
  'weak-password': EXIT.invalid,
  'alias-loop': EXIT.invalid,
};

interface GlobalOptions {
  data?: string;
  config?: string;
}

function configFrom(options: GlobalOptions, extra: Record<string, unknown> = {}): NodeConfig {
  return loadConfig({ configFile: options.config, overrides: { dataDir: options.data, ...extra } });
}

/** Set by `start`: the process keeps running after main() returns. */
let longRunning = false;

export function buildProgram(): Command {
  const program = new Command('nimbus')
    .description('Nimbus Mail: SMTP, POP3 (IMAP, webmail …) on embedded defaults or a cluster')
    .option('--data <dir>', 'data directory (default ./data, env NIMBUS_DATA)')
    .option('--config <file>', 'JSON configuration file (env NIMBUS_CONFIG)')
    .showHelpAfterError()
    .exitOverride();

  const globals = () => program.opts<GlobalOptions>();
  const admin = async (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => {
    const result = await runAdmin(configFrom(globals()), command);
    printResult(result, json, format);
  };

  program
    .command('start')
    .description('run a mail node with the given roles')
    .option(
      '--roles <list>',
      'comma-separated roles: mx,submission,imap,pop3,delivery,mta,web (or access, all)',
    )
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--hostname <name>', 'server name in greetings and Received: headers')
    .option('--smtp-port <port>', 'inbound SMTP port (default 2525; 0 = any free port)')
    .option('--submission-port <port>', 'submission port (default 2587)')
    .option('--imap-port <port>', 'IMAP port (default 2143)')
    .option('--pop3-port <port>', 'POP3 port (default 2110)')
    .option('--http-port <port>', 'HTTP port: health, metrics, admin, web (default 8080)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--create-missing', 'dev/tests only: create absent S3 buckets and SQS queues (with DLQs)')
    .action(async (options: Record<string, string | undefined>) => {
      const config = configFrom(globals(), {
        roles: options.roles,
        host: options.host,
        hostname: options.hostname,
        'ports.smtp': options.smtpPort,
        'ports.submission': options.submissionPort,
        'ports.imap': options.imapPort,
        'ports.pop3': options.pop3Port,
        'ports.http': options.httpPort,
        'log.level': options.logLevel,
        createMissing: options.createMissing ? true : undefined,
      });
      const log = createLogger(config.log);
      longRunning = true;
      // Errors nothing handled: logged, never a silent exit (docs/operations.md "Unexpected errors").
      const guards = installProcessGuards(log);
      // Loaded here, synchronously and only by `start`: other commands never pay for the node's
      // modules (a dynamic import() would need an ESM loader for a relative path under node16).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startNode } = require('./node') as typeof import('./node');
      const node = await startNode(config, log);
      guards.onFatal(() => node.stop());
      process.stdout.write(`nimbus: listening ${JSON.stringify(node.ports)} (data ${config.dataDir})\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutdown requested');
        // SIGTERM in a cluster: /healthz 503 first, so the load balancer stops sending new clients.
        const drainMs = signal === 'SIGTERM' && config.databaseUrl ? config.cluster.drainDelayMs : 0;
        node
          .drain(drainMs)
          .then(() => node.stop())
          .then(
            () => process.exit(0),
            (error: unknown) => {
              log.error({ err: error }, 'shutdown failed');
              process.exit(1);
            },
          );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  registerDirectoryCommands(program, admin);
  registerEasCommands(program, admin);
  registerListCommands(program, admin);
  registerListArchiveCommands(program, () => configFrom(globals()));
  registerSieveCommands(program, admin);
  registerOutboundCommands(program, admin);
  registerDavCommands(program, admin);

  const queue = program.command('queue').description('the spool: messages waiting for delivery or relay');
  queue
    .command('list')
    .addOption(new Option('--queue <name>', 'inbound or outbound').choices(['inbound', 'outbound']))
    .addOption(new Option('--state <state>', 'filter by state').choices(['ready', 'leased', 'dead', 'hold']))
    .option('--domain <domain>', 'with --state hold: held mail for this recipient domain')
    .option('--account <address>', 'with --state hold: held mail of this sender')
    .option('--json', 'machine-readable output')
    .action((o: QueueListOptions) =>
      admin(queueList(o), !!o.json, (r) => {
        if (o.state === 'hold') return formatHeld(r);
        const jobs = r as {
          id: string;
          queue: string;
          state: string;
          attempts: number;
          payload: { mailFrom: string; recipients: { address: string }[]; size: number };
          lastError: string | null;
        }[];
        if (jobs.length === 0) return 'queue is empty';
        return jobs
          .map(
            (j) =>
              `${j.id}\t${j.queue}\t${j.state}\tattempts=${j.attempts}\t${j.payload.size}B\t<${j.payload.mailFrom}> → ` +
              `${j.payload.recipients.map((x) => x.address).join(', ')}${j.lastError ? `\t${j.lastError}` : ''}`,
          )
          .join('\n');
      }),
    );
  queue
    .command('show <id>')
    .option('--json', 'machine-readable output')
    .action((id: string, o: { json?: boolean }) => admin({ op: 'queue.show', id }, !!o.json));
  queue
    .command('retry <id>')
    .description('make a waiting or dead job ready now')
    .action((id: string) => admin({ op: 'queue.retry', id }, false, () => `job ${id} will be retried now`));
  queue
    .command('delete <id>')
    .description('drop a job (its message is not delivered)')
    .action((id: string) => admin({ op: 'queue.delete', id }, false, () => `job ${id} deleted`));
  registerRelayDomainCommands(program, admin, queue);

  const dkim = program.command('dkim').description('DKIM signing keys per domain');
  const dkimRecord = (r: unknown) => {
    const key = r as { domain: string; selector: string; dns: { name: string; value: string } };
    return (
      `domain ${key.domain}, selector ${key.selector}\n` +
      `publish this DNS record:\n${key.dns.name}. IN TXT "${key.dns.value}"`
    );
  };
  dkim
    .command('generate <domain>')
    .description('create a signing key (replaces the old one) and print the DNS TXT record')
    .option('--selector <name>', 'DKIM selector (default nimbusYYYYMM)')
    .option('--json', 'JSON output')
    .action((domain: string, o: { selector?: string; json?: boolean }) =>
      admin({ op: 'dkim.generate', domain, selector: o.selector }, !!o.json, dkimRecord),
    );
  dkim
    .command('show <domain>')
    .description("print the DNS TXT record of the domain's key")
    .option('--json', 'JSON output')
    .action((domain: string, o: { json?: boolean }) =>
      admin({ op: 'dkim.show', domain }, !!o.json, dkimRecord),
    );

  // Web admin API users (docs/web.md): separate from mailbox accounts.
  const adminCmd = program.command('admin').description('administrators of the web admin API');
  adminCmd
    .command('add <name>')
    .description('create an administrator (or set its password)')
    .option('--password <password>', 'the password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (name: string, o: { password?: string; passwordStdin?: boolean }) =>
      admin(
        { op: 'admin.add', name, password: await passwordFrom(o) },
        false,
        () => `administrator ${name} saved`,
      ),
    );

  // Security policy (docs/security.md): relay control, DoS limits, SPF/DKIM/DMARC, DNSBL, greylisting, AS/AV.
  const security = program.command('security').description('security policy, global or per domain');
  security
    .command('show [domain]')
    .description('effective settings (global, or for DOMAIN) and where each comes from')
    .option('--json', 'machine-readable output')
    .action((domainName: string | undefined, o: { json?: boolean }) =>
      admin({ op: 'security.show', domain: domainName }, !!o.json, (r) =>
        (r as { settings: { key: string; value: SettingValue; source: string }[] }).settings
          .map((x) => `${x.key.padEnd(22)} ${formatSettingValue(x.value).padEnd(24)} (${x.source})`)
          .join('\n'),
      ),
    );
  security
    .command('set <key> <value...>')
    .description('set KEY (e.g. greylisting on, spam.action junk, relay.networks 10.0.0.0/8)')
    .option('--domain <domain>', 'only for this hosted domain (per-domain keys)')
    .action((key: string, value: string[], o: { domain?: string }) =>
      admin({ op: 'security.set', key, value: value.join(','), domain: o.domain }, false, (r) => {
        const { value: stored } = r as { value: SettingValue };
        return `${key} = ${formatSettingValue(stored)}${o.domain ? ` for ${o.domain}` : ''}`;
      }),
    );
  security
    .command('unset <key>')
    .description('remove an override (a domain falls back to the global value, global to the default)')
    .option('--domain <domain>', 'the domain override to remove')
    .action((key: string, o: { domain?: string }) =>
      admin({ op: 'security.unset', key, domain: o.domain }, false, (r) =>
        (r as { removed: boolean }).removed ? `${key} override removed` : `${key} had no override`,
      ),
    );

  registerClusterCommands(program, globals);
  registerDnsCommands(program, () => configFrom(globals()));
  registerSmokeCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof AdminError) {
      process.stderr.write(`nimbus: ${error.message}\n`);
      return ADMIN_EXIT[error.code] ?? EXIT.failed;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`nimbus: ${error.message}\n`);
      return EXIT.usage;
    }
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`nimbus: ${(error as Error).message}\n`);
    return code === 'ECONNREFUSED' || code === 'EADDRINUSE' ? EXIT.unavailable : EXIT.failed;
  }
}

if (
  require.main === module ||
  process.argv[1]?.endsWith('nimbus.cjs') ||
  process.argv[1]?.endsWith('nimbus')
) {
  main(process.argv).then((code) => {
    // `start` keeps running; everything else exits with its code.
    if (!longRunning || code !== 0) process.exit(code);
  });
}
