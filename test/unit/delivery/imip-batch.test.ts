/**
 * Incoming iMIP on the batch fast path (BatchDelivery + ImipReceiver) over PGlite, a file blob
 * store, the SQL spool and the real PimStore: invitations reach the calendar after the single
 * commit, in arrival order; only messages the byte scan flagged are read again; a failing
 * calendar side never fails the mail delivery.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../../core/db/migrate';
import { BatchDelivery } from '../../../core/delivery/batch-delivery';
import { MessageAcceptor } from '../../../core/delivery/message-acceptor';
import { Directory } from '../../../core/directory/directory';
import { PimStore } from '../../../core/pim/pim-store';
import { buildImipMail, ImipReceiver } from '../../../core/pim/scheduling';
import type { BlobStore } from '../../../core/ports/blob-store';

let db: PgliteDatabase;
let root: string;
let blobs: FileBlobStore;
let spool: SqlSpool;
let acceptor: MessageAcceptor;
let pim: PimStore;
let annId: number;
const ANN = 'ann@imip-batch.test';
const ORG = 'org@remote.test';

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  root = await mkdtemp(path.join(tmpdir(), 'nimbus-imip-batch-'));
  blobs = new FileBlobStore(root);
  await blobs.init();
  spool = new SqlSpool(db);
  acceptor = new MessageAcceptor(db, blobs, spool);
  const directory = new Directory(db);
  await directory.addDomain('imip-batch.test');
  annId = (await directory.addAccount(ANN, 'ann-password-1')).id;
  pim = new PimStore(db, null);
});

afterAll(async () => {
  await db.close();
  await rm(root, { recursive: true, force: true });
});

const itip = (method: 'REQUEST' | 'CANCEL', uid: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//remote//EN',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260110T100000Z',
    'DTEND:20260110T110000Z',
    'SUMMARY:Sync',
    `ORGANIZER:mailto:${ORG}`,
    `ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:${ANN}`,
    ...(method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

const invitation = (method: 'REQUEST' | 'CANCEL', uid: string) =>
  buildImipMail({ method, from: ORG, to: [ANN], summary: 'Sync', itip: itip(method, uid), now: new Date() });

async function accept(data: Buffer): Promise<string> {
  const { queueId } = await acceptor.accept({ data, mailFrom: ORG, recipients: [{ address: ANN }] });
  await new Promise((r) => setTimeout(r, 5)); // distinct arrival times
  return queueId;
}

async function lease() {
  return spool.receive('inbound', { max: 20, leaseSeconds: 60, owner: 'test' });
}

async function calendarCopy(uid: string): Promise<string | null> {
  const personal = (await pim.collections(annId, 'calendars')).find((c) => c.name === 'personal');
  const object = personal && (await pim.objects.list(personal.id)).find((o) => o.uid === uid);
  return object ? object.data : null;
}

/** A blob store that counts reads per key. */
function counting(inner: BlobStore): { store: BlobStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const store = Object.assign(Object.create(inner) as BlobStore, {
    get: (key: string) => {
      reads.set(key, (reads.get(key) ?? 0) + 1);
      return inner.get(key);
    },
  });
  return { store, reads };
}

test('invitations reach the calendar after the commit; ordinary mail is read once only', async () => {
  const plain = await accept(Buffer.from(`Subject: hi\r\nTo: ${ANN}\r\n\r\nHello\r\n`));
  const invite = await accept(invitation('REQUEST', 'batch-1'));
  const jobs = await lease();
  const { store, reads } = counting(blobs);
  const result = await new BatchDelivery(
    db,
    store,
    spool,
    new InProcessEvents(),
    undefined,
    new ImipReceiver(() => pim),
  ).deliver(jobs);
  expect(result.delivered).toHaveLength(2);
  expect(await calendarCopy('batch-1')).toContain('SUMMARY:Sync');
  const key = (id: string) => jobs.find((j) => j.id === id)!.payload.blobKey;
  expect(reads.get(key(plain))).toBe(1); // the batch's own read
  expect(reads.get(key(invite))).toBe(2); // and once more for the calendar
});

test('a REQUEST and its CANCEL in one batch apply in arrival order, whatever the lease order', async () => {
  await accept(invitation('REQUEST', 'batch-2'));
  await accept(invitation('CANCEL', 'batch-2'));
  const jobs = (await lease()).reverse();
  await new BatchDelivery(
    db,
    blobs,
    spool,
    new InProcessEvents(),
    undefined,
    new ImipReceiver(() => pim),
  ).deliver(jobs);
  expect(await calendarCopy('batch-2')).toContain('STATUS:CANCELLED');
});

test('a calendar side that fails leaves the delivery and its acks intact', async () => {
  const id = await accept(invitation('REQUEST', 'batch-3'));
  const broken = new ImipReceiver(() => {
    throw new Error('PIM store down');
  });
  const result = await new BatchDelivery(db, blobs, spool, new InProcessEvents(), undefined, broken).deliver(
    await lease(),
  );
  expect(result.delivered.map((j) => j.id)).toEqual([id]);
  expect(await spool.get(id)).toBeNull();
  expect(await calendarCopy('batch-3')).toBeNull();
});
