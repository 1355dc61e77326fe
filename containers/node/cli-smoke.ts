/**
 * `nimbus smoke --smtp HOST[:PORT] --imap HOST[:PORT] --user ADDRESS --password-stdin`: the
 * post-deploy check an operator runs against the load balancer (docs/deploy.md, last section).
 * Needs no data directory or database: only the two endpoints and a mailbox's credentials.
 */
import type { Command } from 'commander';
import { AdminError } from '../../core/admin/admin-error';
import {
  DEFAULT_PORTS,
  completeResults,
  formatSmokeTable,
  parseTarget,
  smokePassed,
  type TlsMode,
} from '../../core/smoke/smoke-report';
import { runSmoke } from '../smoke/smoke-run';
import { passwordFrom } from './cli-input';

interface SmokeFlags {
  smtp: string;
  imap: string;
  user: string;
  passwordStdin?: boolean;
  to?: string;
  tls: string;
  insecure?: boolean;
  wait: string;
  json?: boolean;
}

function invalid(message: string): never {
  throw new AdminError('invalid', message);
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    invalid((error as Error).message);
  }
}

export function registerSmokeCommand(program: Command): void {
  program
    .command('smoke')
    .description('post-deploy check: submit a message, read it back over IMAP, delete it; pass/fail table')
    .requiredOption(
      '--smtp <host[:port]>',
      'submission endpoint (default port 465, or 587 with --tls starttls)',
    )
    .requiredOption('--imap <host[:port]>', 'IMAP endpoint (default port 993, or 143 with --tls starttls)')
    .requiredOption('--user <address>', 'mailbox to log in as (SMTP AUTH and IMAP)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--to <address>', "recipient that delivers to the user's INBOX (default: --user)")
    .option('--tls <mode>', 'implicit|starttls', 'implicit')
    .option('--insecure', 'do not verify certificates (self-signed test deployments)')
    .option('--wait <seconds>', 'how long to wait for delivery', '60')
    .option('--json', 'machine-readable output')
    .action(async (o: SmokeFlags) => {
      // If the run ever stopped without an answer (the event loop empties), this is the exit code.
      process.exitCode = 1;
      if (o.tls !== 'implicit' && o.tls !== 'starttls') invalid('--tls must be implicit or starttls');
      const tls: TlsMode = o.tls;
      const wait = Number(o.wait);
      if (!Number.isFinite(wait) || wait < 1 || wait > 3600) invalid('--wait must be 1..3600 seconds');
      if (!/^[^\s@]+@[^\s@]+$/.test(o.user)) invalid(`--user "${o.user}" is not an address`);
      const to = o.to ?? o.user;
      if (!/^[^\s@<>]+@[^\s@<>]+$/.test(to)) invalid(`--to "${to}" is not an address`);
      const smtp = parsed(() => parseTarget(o.smtp, DEFAULT_PORTS[tls].smtp));
      const imap = parsed(() => parseTarget(o.imap, DEFAULT_PORTS[tls].imap));
      if (!o.passwordStdin) invalid('give the password with --password-stdin');
      const password = await passwordFrom({ passwordStdin: true });
      if (!password) invalid('the password on standard input is empty');
      const results = completeResults(
        await runSmoke({
          smtp,
          imap,
          tls,
          user: o.user,
          password,
          to,
          insecure: !!o.insecure,
          deliveryTimeoutMs: wait * 1000,
          timeoutMs: 30_000,
        }),
      );
      const passed = smokePassed(results);
      process.exitCode = undefined;
      process.stdout.write(
        o.json ? JSON.stringify({ passed, results }, null, 2) + '\n' : formatSmokeTable(results),
      );
      // main() turns this into exit code 1 (a failed check), after the table.
      if (!passed) throw new Error('smoke test failed');
    });
}
