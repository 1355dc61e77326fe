import { executeAdminCommand, type AdminCommand } from '../../core/admin/admin-commands';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import { Directory } from '../../core/directory/directory';
import { DkimKeyStore } from '../../core/dkim/dkim-keys';
import { loadSecretKey } from '../../core/dkim/secret-box';
import type { SqlDatabase } from '../../core/ports/sql';
import type { NodeConfig } from './config';
import { acquireDataDirLock, ensureDataDir } from './node-files';
import { openDatabase } from './storage';

/**
 * An admin command straight against the database, when no node owns the data dir: the embedded
 * PostgreSQL is started for the command and stopped after it (`db.close()`), under the data-dir
 * lock, so no node starts on the same data dir meanwhile. Loaded only on this path (admin-client.ts):
 * a command that goes through a running node never loads the storage adapters.
 */
export async function runAdminDirect(
  config: NodeConfig,
  command: AdminCommand,
  actor: string,
): Promise<unknown> {
  let release = async (): Promise<void> => undefined;
  if (!config.databaseUrl) {
    await ensureDataDir(config.dataDir); // the first command may come before the first start
    release = await acquireDataDirLock(config.dataDir);
  }
  let db: SqlDatabase;
  try {
    db = await openDatabase(config);
  } catch (error) {
    await release();
    throw error;
  }
  try {
    const dkim = command.op.startsWith('dkim.')
      ? new DkimKeyStore(db, await loadSecretKey(config.secretKey, config.dataDir))
      : undefined;
    return await executeAdminCommand(
      { db, directory: new Directory(db), spool: new SqlSpool(db), dkim },
      command,
      { actor },
    );
  } finally {
    await db.close();
    await release();
  }
}
