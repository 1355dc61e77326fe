/** A PGlite database with one domain and lists (plain SQL on the list tables), for digest and archive tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import type { ListDeps } from '../../../core/lists/deps';
import { MailboxStore } from '../../../core/store/mailbox-store';

export interface ListFixture {
  deps: ListDeps;
  db: PgliteDatabase;
  spool: SqlSpool;
  clock: { now: Date };
  addList(localPart: string, options?: { schedule?: string | null; archive?: string }): Promise<string>;
  addMember(listId: string, address: string, mode?: 'normal' | 'digest' | 'nomail'): Promise<string>;
  addRole(listId: string, address: string, role: 'owner' | 'moderator'): Promise<void>;
  refcount(key: string): Promise<number>;
  close(): Promise<void>;
}

export const DOMAIN = 'lists.test';

export async function listFixture(): Promise<ListFixture> {
  const db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const root = await mkdtemp(path.join(tmpdir(), 'nimbus-lists-'));
  const blobs = new FileBlobStore(root);
  await blobs.init();
  const spool = new SqlSpool(db);
  const events = new InProcessEvents();
  const directory = new Directory(db);
  await directory.addDomain(DOMAIN);
  const clock = { now: new Date('2026-12-03T10:00:00Z') };
  const deps: ListDeps = {
    db,
    blobs,
    spool,
    directory,
    mailboxes: new MailboxStore(db, blobs, events),
    events,
    acceptor: { accept: async () => ({ queueId: 'unused' }) },
    resolver: {} as ListDeps['resolver'],
    dkimKey: async () => null,
    settings: {
      webBase: 'https://mail.lists.test',
      tokenSecret: Buffer.alloc(32, 1),
      fanoutPageSize: 2,
      maxPostBytes: 10 * 1024 * 1024,
      bounceScoreThreshold: 5,
      bounceStaleDays: 7,
    },
    now: () => clock.now,
  };
  return {
    deps,
    db,
    spool,
    clock,
    async addList(localPart, options = {}) {
      const row = await db.query<{ id: string }>(
        `INSERT INTO lists (domain_id, local_part, address, name, digest_schedule, archive_visibility)
         SELECT id, $1, $1 || '@' || name, $2, $3, $4 FROM domains WHERE name = $5 RETURNING id`,
        [
          localPart,
          `${localPart[0].toUpperCase()}${localPart.slice(1)}`,
          options.schedule ?? null,
          options.archive ?? 'members',
          DOMAIN,
        ],
      );
      return String(row.rows[0].id);
    },
    async addMember(listId, address, mode = 'normal') {
      const row = await db.query<{ id: string }>(
        `INSERT INTO list_members (list_id, address, delivery_mode) VALUES ($1::bigint, $2, $3) RETURNING id`,
        [listId, address, mode],
      );
      return String(row.rows[0].id);
    },
    async addRole(listId, address, role) {
      await db.query(`INSERT INTO list_roles (list_id, address, role) VALUES ($1::bigint, $2, $3)`, [
        listId,
        address,
        role,
      ]);
    },
    async refcount(key) {
      const r = await db.query<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = $1`, [key]);
      return r.rows[0] ? Number(r.rows[0].refcount) : 0;
    },
    async close() {
      await db.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function post(n: number, options: { from?: string; body?: string; subject?: string } = {}): Buffer {
  return Buffer.from(
    [
      `Received: from relay.example by mx.lists.test; Thu, 3 Dec 2026 09:00:00 +0000`,
      `From: ${options.from ?? `Poster ${n} <poster${n}@example.org>`}`,
      `To: dev@${DOMAIN}`,
      `Subject: ${options.subject ?? `Topic number ${n}`}`,
      `Date: Thu, 3 Dec 2026 09:0${n % 10}:00 +0000`,
      `Message-ID: <post-${n}@example.org>`,
      '',
      options.body ?? `Body of post ${n}.\r\nFrom the desk of poster ${n}.`,
      '',
    ].join('\r\n'),
  );
}
