import { archiveAccess, findArchiveList } from '../../../core/lists/archive/archive-access';
import { archivePost, removeArchived } from '../../../core/lists/archive/archive-post';
import {
  archivedPost,
  archiveMonth,
  archiveMonths,
  searchArchive,
} from '../../../core/lists/archive/archive-read';
import { exportMboxPage, parseMboxrd } from '../../../core/lists/archive/mbox';
import { ARCHIVE_ID } from '../../../core/lists/archive/permalink';
import { DOMAIN, listFixture, post, type ListFixture } from '../lists-digest/list-fixture';

let f: ListFixture;
let listId: string;
const list = () => ({ id: listId, domain: DOMAIN, localPart: 'dev', archive: 'members' as const });

beforeAll(async () => {
  f = await listFixture();
  listId = await f.addList('dev');
  await f.addMember(listId, 'ann@lists.test');
  await f.addRole(listId, 'owner@lists.test', 'owner');
});
afterAll(() => f.close());

describe('list archive', () => {
  test('archivePost stores once per post, returns the Archived-At permalink, and holds one blob reference', async () => {
    f.clock.now = new Date('2026-11-20T10:00:00Z');
    const first = await archivePost(f.deps, list(), post(1, { subject: 'Kernel release plans' }));
    const again = await archivePost(f.deps, list(), post(1, { subject: 'Kernel release plans' }));
    expect(first.url).toMatch(
      /^https:\/\/mail\.lists\.test\/webmail\/lists\/dev%40lists\.test\/archive\/[A-Za-z0-9_-]{16}$/,
    );
    expect(again.url).toBe(first.url);
    expect(first.messageId).toBe('<post-1@example.org>');
    const key = (await f.deps.blobs.put(post(1, { subject: 'Kernel release plans' }))).key;
    expect(await f.refcount(key)).toBe(1);
    expect(await archivePost(f.deps, { ...list(), archive: 'none' }, post(9))).toEqual({ url: null });
  });

  test('browse by month, read one, search by subject, sender and body text', async () => {
    f.clock.now = new Date('2026-12-02T10:00:00Z');
    await archivePost(
      f.deps,
      list(),
      post(2, { from: 'Zoë Example <zoe@example.net>', body: 'The build farm is down.' }),
    );
    await archivePost(f.deps, list(), post(3, { body: 'Lunch on Friday?' }));
    expect(await archiveMonths(f.db, listId)).toEqual([
      { month: '2026-12', count: 2 },
      { month: '2026-11', count: 1 },
    ]);
    const page = await archiveMonth(f.db, listId, '2026-12', { limit: 1 });
    expect(page.entries.map((e) => e.subject)).toEqual(['Topic number 2']);
    const rest = await archiveMonth(f.db, listId, '2026-12', { limit: 1, after: page.next! });
    expect(rest.entries.map((e) => e.subject)).toEqual(['Topic number 3']);
    expect(rest.next).toBeNull();
    const one = (await archivedPost(f.db, f.deps.blobs, listId, page.entries[0].id))!;
    expect(one.id).toMatch(ARCHIVE_ID);
    expect(one.raw.toString()).toContain('The build farm is down.');
    expect(one.structure.envelope.messageId).toBe('<post-2@example.org>');
    expect(await archivedPost(f.db, f.deps.blobs, listId, 'AAAAAAAAAAAAAAAA')).toBeNull();

    const subjects = async (q: Parameters<typeof searchArchive>[2]) =>
      (await searchArchive(f.db, listId, q)).map((e) => e.subject);
    expect(await subjects({ subject: 'KERNEL' })).toEqual(['Kernel release plans']);
    expect(await subjects({ from: 'zoe@example.net' })).toEqual(['Topic number 2']);
    expect(await subjects({ from: 'Zoë' })).toEqual(['Topic number 2']);
    expect(await subjects({ body: 'farm' })).toEqual(['Topic number 2']);
    expect(await subjects({ text: 'friday' })).toEqual(['Topic number 3']);
    expect(await subjects({ text: 'post' })).toEqual([
      'Topic number 3',
      'Topic number 2',
      'Kernel release plans',
    ]);
    expect(await subjects({ body: 'farm', subject: 'Kernel' })).toEqual([]);
    expect(await subjects({ text: '100%_' })).toEqual([]);
    expect(await subjects({})).toEqual([]);
  });

  test('members read a members-only archive, owners always, others not', async () => {
    const row = (await findArchiveList(f.db, 'DEV@lists.test'))!;
    expect(row.visibility).toBe('members');
    expect(await archiveAccess(f.db, row, 'ann@lists.test')).toBe('read');
    expect(await archiveAccess(f.db, row, 'Owner@lists.test')).toBe('read');
    expect(await archiveAccess(f.db, row, 'eve@lists.test')).toBe('forbidden');
    expect(await archiveAccess(f.db, row, null)).toBe('login');
    expect(await archiveAccess(f.db, { ...row, visibility: 'public' }, null)).toBe('read');
    expect(await archiveAccess(f.db, { ...row, visibility: 'none' }, 'ann@lists.test')).toBe('forbidden');
    expect(await archiveAccess(f.db, { ...row, visibility: 'none' }, 'owner@lists.test')).toBe('read');
    expect(await findArchiveList(f.db, 'nope@lists.test')).toBeNull();
  });

  test('mbox export (mboxrd) parses back to the archived messages, in pages', async () => {
    const all = await exportMboxPage(f.db, f.deps.blobs, listId);
    expect(all.count).toBe(3);
    expect(all.next).toBeNull();
    const text = all.data.toString('latin1');
    expect(text).toMatch(/^From poster1@example\.org \w{3} Nov 20 10:00:00 2026\n/);
    // "From the desk of ..." in the bodies is quoted in the file and restored on reading.
    expect(text).toContain('\n>From the desk of poster 1.');
    const messages = parseMboxrd(all.data);
    expect(messages.map((m) => m.toString())).toEqual([
      post(1, { subject: 'Kernel release plans' }).toString(),
      post(2, { from: 'Zoë Example <zoe@example.net>', body: 'The build farm is down.' }).toString(),
      post(3, { body: 'Lunch on Friday?' }).toString(),
    ]);
    const first = await exportMboxPage(f.db, f.deps.blobs, listId, { maxBytes: 1 });
    expect(first.count).toBe(1);
    const second = await exportMboxPage(f.db, f.deps.blobs, listId, { maxBytes: 1, after: first.next! });
    expect(parseMboxrd(second.data)[0].toString()).toContain('The build farm');
  });

  test('removing an archived post releases its reference', async () => {
    const id = (await archivePost(f.deps, list(), post(7))).url!.split('/').pop()!;
    const key = (await f.deps.blobs.put(post(7))).key;
    expect(await f.refcount(key)).toBe(1);
    expect(await removeArchived(f.deps, listId, id)).toBe(true);
    expect(await removeArchived(f.deps, listId, id)).toBe(false);
    expect(await f.refcount(key)).toBe(0);
  });
});
