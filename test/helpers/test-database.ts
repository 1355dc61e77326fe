import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Tests run on the embedded engines by default (PGlite in-process stores, the embedded PostgreSQL
 * for whole nodes). With NIMBUS_TEST_DATABASE_URL set (as .ci/run does), each test
 * file gets a fresh database on that PostgreSQL server instead: the same suites, the real server.
 */
export async function createTestDatabaseUrl(): Promise<{
  url: string | undefined;
  drop: () => Promise<void>;
}> {
  const admin = process.env.NIMBUS_TEST_DATABASE_URL;
  if (!admin) return { url: undefined, drop: async () => undefined };
  const name = `nimbus_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}
