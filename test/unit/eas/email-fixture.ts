/**
 * A real mail store on PGlite for the Email item source tests: two accounts of one domain with
 * INBOX, Trash (\\Trash) and Drafts (\\Drafts), a file blob store, in-process events (recorded),
 * and the source under test. `useEmailStore()` sets it up around a test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import type { Directory } from '../../../core/directory/directory';
import { EmailItemSource } from '../../../core/eas/email/email-source';
import type { RenderOptions } from '../../../core/eas/sync/item-source';
import { child, type EasElement } from '../../../core/eas/wbxml';
import type { MailboxChange } from '../../../core/ports/events';
import { ImapAppender } from '../../../core/store/imap-append';
import { MailboxAdmin } from '../../../core/store/mailbox-admin';
import { MailboxStore } from '../../../core/store/mailbox-store';

export interface EmailStore {
  db: PgliteDatabase;
  blobs: FileBlobStore;
  source: EmailItemSource;
  events: InProcessEvents;
  /** Every event published, in order (tests clear it). */
  published: MailboxChange[];
  users: Record<string, { id: number; boxes: Record<string, number> }>;
}

export const store = { published: [], users: {} } as unknown as EmailStore;

export const CRLF = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

export const PLAIN = (subject: string) =>
  CRLF(`From: a@a.test\nTo: ann@a.test\nSubject: ${subject}\n\nhello\n`);

export const options = (over: Partial<RenderOptions> = {}): RenderOptions => ({
  version: '16.1',
  bodyPreferences: [{ type: 2, truncationSize: 32 }],
  mimeSupport: 0,
  ...over,
});

export async function append(user: string, box: string, data: Buffer, flags: string[] = [], date?: Date) {
  const { db, blobs, events, users } = store;
  const appender = new ImapAppender(db, blobs, new MailboxStore(db, blobs, events), events);
  const { uids } = await appender.append(users[user].id, users[user].boxes[box], [
    { data, flags, internalDate: date },
  ]);
  return uids[0];
}

export const text = (node: EasElement | undefined, ...names: string[]): string | undefined => {
  let cur = node;
  for (const n of names) cur = child(cur, n);
  return cur?.text;
};

export const ann = () => store.users['ann@a.test'];
export const coll = (user: string, box: string) => `m${store.users[user].boxes[box]}`;

export function useEmailStore(): void {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'eas-email-'));
    store.blobs = new FileBlobStore(dir);
    await store.blobs.init();
    store.db = await PgliteDatabase.open(undefined);
    const db = store.db;
    await runMigrations(db);
    const events = new InProcessEvents();
    const publish = events.publish.bind(events);
    events.publish = async (c) => {
      store.published.push(c);
      await publish(c);
    };
    store.events = events;
    const admin = new MailboxAdmin(db, events);
    const domain = await db.query<{ id: string }>(
      `INSERT INTO domains (name) VALUES ('a.test') RETURNING id`,
    );
    for (const address of ['ann@a.test', 'ben@a.test']) {
      const row = await db.query<{ id: string }>(
        `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
        [domain.rows[0].id, address],
      );
      const id = Number(row.rows[0].id);
      const boxes: Record<string, number> = {};
      for (const [name, use] of [
        ['INBOX', []],
        ['Trash', ['\\Trash']],
        ['Drafts', ['\\Drafts']],
      ] as [string, string[]][]) {
        const created = await admin.create(id, name, use);
        boxes[name] = created.ok && created.mailbox ? created.mailbox.id : (await admin.get(id, name))!.id;
      }
      store.users[address] = { id, boxes };
    }
    store.source = new EmailItemSource({ db, blobs: store.blobs, events, directory: {} as Directory });
  });
  afterAll(async () => {
    await store.db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
}
