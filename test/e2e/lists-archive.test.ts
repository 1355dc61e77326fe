/**
 * List archives over real HTTP: posts archived (as the posting pipeline does with archivePost),
 * read through the webmail API with a member's session, refused to a non-member of a
 * members-only list, and exported as mbox through the admin API (parsed back).
 */
import { archivePost } from '../../core/lists/archive';
import { parseMboxrd } from '../../core/lists/archive/mbox';
import type { ListDeps } from '../../core/lists/deps';
import { WebHarness } from './web-harness';
import { call, login } from './webmail-session';

let h: WebHarness;
let listId: string;
let permalink: string;

const post = (n: number) =>
  Buffer.from(
    `From: Ann <ann@arch.test>\r\nTo: dev@arch.test\r\nSubject: Archived ${n}\r\nDate: Thu, 3 Dec 2026 09:00:00 +0000\r\n` +
      `Message-ID: <arch-${n}@arch.test>\r\n\r\nFrom here on, post ${n} <script>x</script>\r\n`,
  );

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser('ann@arch.test', 'ann-password-123');
  await h.addUser('eve@arch.test', 'eve-password-123');
  await h.node.admin({ op: 'admin.add', name: 'root', password: 'root-password-123' });
  const db = h.node.web!.db;
  const row = await db.query<{ id: string }>(
    `INSERT INTO lists (domain_id, local_part, address, name) SELECT id, 'dev', 'dev@arch.test', 'Dev' FROM domains
     WHERE name = 'arch.test' RETURNING id`,
  );
  listId = String(row.rows[0].id);
  await db.query(`INSERT INTO list_members (list_id, address) VALUES ($1::bigint, 'ann@arch.test')`, [
    listId,
  ]);
  const deps = {
    db,
    blobs: h.node.web!.blobs,
    settings: { webBase: h.base },
    now: () => new Date(),
  } as unknown as ListDeps;
  const list = { id: listId, domain: 'arch.test', localPart: 'dev', archive: 'members' as const };
  for (let n = 1; n <= 3; n++) permalink = (await archivePost(deps, list, post(n))).url!;
}, 120_000);

afterAll(() => h?.node.stop());

test('a member browses, searches and reads the archive; the permalink renders sanitised', async () => {
  const ann = await login(h, 'ann@arch.test', 'ann-password-123');
  const index = await call(h, ann, 'GET', '/webmail/api/lists/dev%40arch.test/archive');
  expect(index.status).toBe(200);
  const month = new Date().toISOString().slice(0, 7);
  expect(index.body.months).toEqual([{ month, count: 3 }]);
  const page = await call(h, ann, 'GET', `/webmail/api/lists/dev%40arch.test/archive/months/${month}`);
  expect(page.body.entries.map((e: { subject: string }) => e.subject)).toEqual([
    'Archived 1',
    'Archived 2',
    'Archived 3',
  ]);
  const found = await call(h, ann, 'GET', '/webmail/api/lists/dev%40arch.test/archive/search?q=post%202');
  expect(found.body.entries.map((e: { subject: string }) => e.subject)).toEqual(['Archived 2']);
  const page3 = await fetch(permalink, { headers: { cookie: ann.cookie } });
  expect(page3.status).toBe(200);
  expect(page3.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = await page3.text();
  expect(html).toContain('From here on, post 3');
  expect(html).not.toContain('<script>');
});

test('a non-member and an anonymous visitor are refused a members-only archive', async () => {
  const eve = await login(h, 'eve@arch.test', 'eve-password-123');
  expect((await call(h, eve, 'GET', '/webmail/api/lists/dev%40arch.test/archive')).status).toBe(403);
  expect((await fetch(permalink, { headers: { cookie: eve.cookie } })).status).toBe(403);
  expect((await fetch(permalink)).status).toBe(401);
  expect((await call(h, eve, 'GET', '/webmail/api/lists/nope%40arch.test/archive')).status).toBe(404);
});

test('the admin API exports the archive as mboxrd that parses back', async () => {
  const res = await fetch(`${h.base}/api/admin/lists/dev%40arch.test/archive.mbox`, {
    headers: h.basic('root', 'root-password-123'),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/mbox');
  const data = Buffer.from(await res.arrayBuffer());
  expect(data.toString()).toContain('\n>From here on, post 1');
  const messages = parseMboxrd(data);
  expect(messages).toHaveLength(3);
  expect(messages[1].toString()).toBe(post(2).toString());
  expect((await fetch(`${h.base}/api/admin/lists/dev%40arch.test/archive.mbox`)).status).toBe(401);
});
