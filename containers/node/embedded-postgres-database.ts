/**
 * The database of a node without DATABASE_URL or the Data API: the embedded PostgreSQL
 * (storage.embedded=postgres, the default) or PGlite (storage.embedded=pglite, and where
 * PostgreSQL cannot run: an existing PGlite store, a platform without binaries).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { PgDatabase, type PgOptions } from '../../core/adapters/postgres/pg-database';
import type { SqlDatabase } from '../../core/ports/sql';
import type { NodeConfig } from './config';
import { EmbeddedPostgres } from './embedded-postgres';
import { embeddedLayout } from './embedded-postgres-files';

export type EmbeddedEngine = NodeConfig['storage']['embedded'];

/** PostgreSQL over the embedded server's socket; closing it also stops the server. */
export class EmbeddedPgDatabase extends PgDatabase {
  constructor(
    readonly server: EmbeddedPostgres,
    options: Omit<PgOptions, 'connectionString'>,
  ) {
    super({ ...options, connectionString: server.connectionString });
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.server.stop();
    }
  }
}

let warnedPglite = false;

/** Which engine runs, and why when it is not the configured one. */
export function chooseEmbeddedEngine(
  dataDir: string,
  configured: EmbeddedEngine,
  platform: NodeJS.Platform = process.platform,
): { engine: EmbeddedEngine; reason?: string } {
  if (configured === 'pglite') return { engine: 'pglite' };
  if (existsSync(path.join(dataDir, 'db')) && !existsSync(embeddedLayout(dataDir).pgData)) {
    return {
      engine: 'pglite',
      reason:
        `${path.join(dataDir, 'db')} holds a PGlite store: this node stays on PGlite. Moving its data to the ` +
        'embedded PostgreSQL is a follow-up (nothing migrates automatically); a new data directory starts on ' +
        'PostgreSQL. Set storage.embedded=pglite (NIMBUS_EMBEDDED_DB=pglite) to keep PGlite without this warning',
    };
  }
  if (platform === 'win32') {
    // node's net module speaks named pipes on Windows, not the unix socket the server listens on.
    return {
      engine: 'pglite',
      reason: 'the embedded PostgreSQL needs a unix socket: on Windows, PGlite runs',
    };
  }
  return { engine: 'postgres' };
}

export async function openEmbeddedDatabase(
  config: Pick<NodeConfig, 'dataDir'> & Partial<Pick<NodeConfig, 'database' | 'storage'>>,
  log?: Logger,
): Promise<SqlDatabase> {
  const choice = chooseEmbeddedEngine(config.dataDir, config.storage?.embedded ?? 'postgres');
  if (choice.reason && !warnedPglite) {
    warnedPglite = true;
    log?.warn(choice.reason);
  }
  if (choice.engine === 'postgres') {
    let server: EmbeddedPostgres | undefined;
    try {
      server = await EmbeddedPostgres.start({ dataDir: config.dataDir, log });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EMBEDDED_PG_MISSING') throw error;
      log?.warn(`${(error as Error).message}: running on PGlite instead`);
    }
    if (server) {
      return new EmbeddedPgDatabase(server, {
        maxConnections: config.database?.maxConnections,
        connectionTimeoutMs: config.database?.connectionTimeoutMs,
        statementTimeoutMs: config.database?.statementTimeoutMs,
        preparedStatements: config.database?.preparedStatements,
      });
    }
  }
  return PgliteDatabase.open(path.join(config.dataDir, 'db'));
}
