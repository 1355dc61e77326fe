/**
 * The application role of migration 50 (`nimbus_app`) on the real PostgreSQL (127.0.0.1:5432):
 * after the owner ran the migrations, a whole node runs as that role — registration and heartbeat,
 * admin commands, an SMTP delivery, an IMAP fetch, LISTEN/NOTIFY — while the role cannot change the
 * schema, create roles or rewrite the migration history. On Aurora the same role logs in with IAM
 * tokens (`rds_iam`, granted only where that role exists — not here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import pg from 'pg';
import pino from 'pino';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { APP_DATABASE_ROLE } from '../../core/db/app-role';
import { runMigrations } from '../../core/db/migrate';
import { loadConfig } from '../../containers/node/config';
import { startNode, type RunningNode } from '../../containers/node/node';
import { eventually } from '../helpers/eventually';
import { createTestDatabaseUrl } from '../helpers/test-database';

process.env.NIMBUS_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

let ownerUrl: string;
let appUrl: string;
let drop: () => Promise<void>;
let node: RunningNode;
let dataDir: string;
let app: pg.Client;

beforeAll(async () => {
  ({ url: ownerUrl, drop } = (await createTestDatabaseUrl()) as { url: string; drop: () => Promise<void> });
  const owner = new PgDatabase({ connectionString: ownerUrl });
  await runMigrations(owner); // as the owner, like the migrate function on AWS
  await owner.close();
  const url = new URL(ownerUrl);
  url.username = APP_DATABASE_ROLE;
  appUrl = url.toString();

  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-app-role-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      databaseUrl: appUrl,
      events: 'postgres',
      hostname: 'mx.test.example',
      'ports.smtp': 0,
      'ports.submission': 0,
      'ports.submissions': 0,
      'ports.imap': 0,
      'ports.imaps': 0,
      'ports.pop3': 0,
      'ports.pop3s': 0,
      'ports.managesieve': 0,
      'ports.http': 0,
      'imap.allowInsecureAuth': true,
      'delivery.pollIntervalMs': 50,
      'cluster.heartbeatSeconds': 1,
    },
  });
  node = await startNode(config, pino({ level: process.env.NIMBUS_TEST_LOG ?? 'silent' }));
  app = new pg.Client({ connectionString: appUrl });
  await app.connect();
}, 60_000);

afterAll(async () => {
  // Roles are per server: never leave the one a failing "cannot create a role" check made.
  const admin = new pg.Client({ connectionString: ownerUrl });
  await admin.connect();
  await admin.query('DROP ROLE IF EXISTS h5_intruder').catch(() => undefined);
  await admin.end();
  await app?.end();
  await node?.stop();
  await drop?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the node as nimbus_app', () => {
  it('connects as the application role, which is no superuser and may not create roles or databases', async () => {
    const who = await app.query<{ u: string; su: boolean; cr: boolean; cd: boolean }>(
      `SELECT current_user AS u, rolsuper AS su, rolcreaterole AS cr, rolcreatedb AS cd
       FROM pg_roles WHERE rolname = current_user`,
    );
    expect(who.rows[0]).toEqual({ u: APP_DATABASE_ROLE, su: false, cr: false, cd: false });
  });

  it('registers and heartbeats in the cluster registry', async () => {
    const beat = async () =>
      (await app.query<{ at: Date }>(`SELECT heartbeat_at AS at FROM cluster_nodes`)).rows[0]?.at;
    const first = await eventually(beat);
    await eventually(async () => ((await beat())!.getTime() > first.getTime() ? true : null));
  });

  it('accepts and delivers a message over SMTP and serves it over IMAP', async () => {
    await node.admin({ op: 'domain.add', name: 'example.test' });
    await node.admin({ op: 'user.add', address: 'alice@example.test', password: 'alice-long-pw-1' });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: node.ports.smtp!,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'bob@remote.test',
      to: 'alice@example.test',
      subject: 'as the app role',
      text: 'delivered without the owner',
    });

    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: node.ports.imap!,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'alice@example.test', pass: 'alice-long-pw-1' },
      logger: false,
    } as ConstructorParameters<typeof ImapFlow>[0]);
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const message = await eventually(async () => {
          await imap.noop();
          return imap.fetchOne('*', { envelope: true, source: true, flags: true });
        });
        expect(message && message.envelope?.subject).toBe('as the app role');
        expect(message && message.source?.toString()).toContain('delivered without the owner');
        await imap.messageFlagsAdd('*', ['\\Seen']);
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
  });

  it('may LISTEN and NOTIFY (mailbox events across nodes)', async () => {
    const other = new pg.Client({ connectionString: appUrl });
    await other.connect();
    try {
      const got = new Promise<string>((resolve) => other.on('notification', (n) => resolve(n.payload ?? '')));
      await other.query('LISTEN h5_probe');
      await app.query(`SELECT pg_notify('h5_probe', 'hello')`);
      expect(await got).toBe('hello');
    } finally {
      await other.end();
    }
  });
});

describe('what nimbus_app may not do', () => {
  const refused = async (sql: string) => {
    const error = (await app.query(sql).then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string } | null;
    return error?.code;
  };

  it.each([
    ['create a table', 'CREATE TABLE h5_new (x int)'],
    ['drop a table', 'DROP TABLE messages'],
    ['alter a table', 'ALTER TABLE messages ADD COLUMN h5 int'],
    ['create an index', 'CREATE INDEX h5_idx ON messages (id)'],
    ['truncate a table', 'TRUNCATE cluster_nodes'],
    ['create a role', `CREATE ROLE h5_intruder LOGIN`],
    ['create a schema', 'CREATE SCHEMA h5_schema'],
    ['rewrite the migration history', `DELETE FROM schema_migrations`],
    ['insert a migration record', `INSERT INTO schema_migrations (version, name) VALUES (999, 'x')`],
  ])('cannot %s', async (_what, sql) => {
    // 42501 insufficient_privilege (also "must be owner of table").
    expect(await refused(sql)).toBe('42501');
  });

  it('cannot grant itself more (PostgreSQL only warns; the privilege stays absent)', async () => {
    await app.query(`GRANT CREATE ON SCHEMA public TO ${APP_DATABASE_ROLE}`).catch(() => undefined);
    const has = await app.query<{ c: boolean }>(
      `SELECT has_schema_privilege(current_user, 'public', 'CREATE') AS c`,
    );
    expect(has.rows[0].c).toBe(false);
  });

  it('still reads the migration history (the node checks that it is up to date)', async () => {
    const rows = await app.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows.rows.map((r) => Number(r.version))).toContain(50);
  });

  it('runs the migration check as the node does, without DDL', async () => {
    const db = new PgDatabase({ connectionString: appUrl });
    try {
      await expect(runMigrations(db)).resolves.toEqual([]);
    } finally {
      await db.close();
    }
  });
});
