/**
 * A fresh PostgreSQL database of the bench's own on a server (by default the one on 127.0.0.1:5432),
 * created for the run and dropped afterwards (WITH (FORCE), so a node still connected cannot keep it).
 */
import { Client } from 'pg';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  /** The URL of the new database. */
  url: string;
  drop: () => Promise<void>;
}

/** Creates `<prefix>_<pid>`; resolves with `{ unreachable: reason }` when the server cannot be reached. */
export async function freshPostgres(
  serverUrl: string,
  prefix: string,
): Promise<FreshDatabase | { unreachable: string }> {
  const admin = new Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    return { unreachable: (error as Error).message };
  }
  const name = `${prefix}_${process.pid}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = new Client({ connectionString: serverUrl });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}
