/** The local cluster's own PostgreSQL database: created fresh for each `cluster up`, dropped by `down`. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ClusterDatabase {
  name: string;
  url: string;
  adminUrl: string;
}

export async function createDatabase(adminUrl: string): Promise<ClusterDatabase> {
  const name = `nimbus_cluster_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), adminUrl };
}

/** Drops only databases this module created (the name is checked). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^nimbus_cluster_[0-9a-f]+$/.test(name)) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
