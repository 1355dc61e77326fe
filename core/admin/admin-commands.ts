import { releaseSpoolReference } from '../delivery/inbound-job';
import type { Directory } from '../directory/directory';
import { DirectoryError } from '../directory/errors';
import type { JobState, QueueName, Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';

/**
 * Every administrative operation as data, so the CLI can run it against the database directly or
 * send it to a running node's admin endpoint, with the same result either way.
 */
export type AdminCommand =
  | { op: 'domain.add'; name: string }
  | { op: 'domain.list' }
  | { op: 'domain.remove'; name: string; force?: boolean }
  | { op: 'domain.catchall'; name: string; target: string | null }
  | { op: 'user.add'; address: string; password: string; quotaBytes?: number | null }
  | { op: 'user.list'; domain?: string }
  | { op: 'user.show'; address: string }
  | { op: 'user.passwd'; address: string; password: string }
  | { op: 'user.quota'; address: string; quotaBytes: number | null }
  | { op: 'user.remove'; address: string }
  | { op: 'alias.add'; source: string; targets: string[] }
  | { op: 'alias.list'; domain?: string }
  | { op: 'alias.remove'; source: string; target?: string }
  | { op: 'queue.list'; queue?: QueueName; state?: JobState }
  | { op: 'queue.show'; id: string }
  | { op: 'queue.retry'; id: string }
  | { op: 'queue.delete'; id: string };

export interface AdminContext {
  db: SqlDatabase;
  directory: Directory;
  spool: Spool;
}

export class AdminError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export async function executeAdminCommand(ctx: AdminContext, command: AdminCommand): Promise<unknown> {
  try {
    return await run(ctx, command);
  } catch (error) {
    if (error instanceof DirectoryError) throw new AdminError(error.code, error.message);
    throw error;
  }
}

async function run(ctx: AdminContext, command: AdminCommand): Promise<unknown> {
  const { directory, spool } = ctx;
  switch (command.op) {
    case 'domain.add':
      return directory.addDomain(command.name);
    case 'domain.list':
      return directory.listDomains();
    case 'domain.remove':
      await directory.removeDomain(command.name, { force: command.force });
      return { removed: command.name };
    case 'domain.catchall':
      await directory.setCatchAll(command.name, command.target);
      return { domain: command.name, catchAll: command.target };
    case 'user.add':
      return directory.addAccount(command.address, command.password, { quotaBytes: command.quotaBytes });
    case 'user.list':
      return directory.listAccounts(command.domain);
    case 'user.show': {
      const account = await directory.getAccount(command.address);
      if (!account) throw new AdminError('not-found', `no account ${command.address}`);
      const mailboxes = await ctx.db.query<{ name: string; messages: number; unseen: number }>(
        `SELECT name, message_count::int AS messages, unseen_count::int AS unseen
         FROM mailboxes WHERE account_id = $1 ORDER BY name`,
        [account.id],
      );
      const aliases = await ctx.db.query<{ source: string }>(`SELECT source FROM aliases WHERE target = $1`, [
        account.address,
      ]);
      return { ...account, mailboxes: mailboxes.rows, aliases: aliases.rows.map((row) => row.source) };
    }
    case 'user.passwd':
      await directory.setPassword(command.address, command.password);
      return { address: command.address, passwordChanged: true };
    case 'user.quota':
      await directory.setQuota(command.address, command.quotaBytes);
      return { address: command.address, quotaBytes: command.quotaBytes };
    case 'user.remove':
      await directory.removeAccount(command.address);
      return { removed: command.address };
    case 'alias.add':
      return directory.addAlias(command.source, command.targets);
    case 'alias.list':
      return directory.listAliases(command.domain);
    case 'alias.remove':
      return { removed: await directory.removeAlias(command.source, command.target) };
    case 'queue.list':
      return spool.list({ queue: command.queue, state: command.state });
    case 'queue.show': {
      const job = await spool.get(command.id);
      if (!job) throw new AdminError('not-found', `no queued job ${command.id}`);
      return job;
    }
    case 'queue.retry': {
      if (!(await spool.retryNow(command.id))) {
        throw new AdminError(
          'not-found',
          `no waiting or dead job ${command.id} (a job being processed cannot be retried)`,
        );
      }
      return { retried: command.id };
    }
    case 'queue.delete': {
      const job = await spool.remove(command.id);
      if (!job) throw new AdminError('not-found', `no queued job ${command.id}`);
      await releaseSpoolReference(ctx.db, job.payload.queueId, job.payload.blobKey);
      return { deleted: command.id };
    }
  }
}
