import { buildDsn } from '../../../core/dsn/dsn-builder';
import { createBounceHandler } from '../../../core/lists/bounces/handle';
import { createPostDistributor, fanoutQueueId } from '../../../core/lists/posting/distribute';
import { runFanout } from '../../../core/lists/posting/fanout';
import { ListStore } from '../../../core/lists/list-store';
import type { ListPost, MailingList } from '../../../core/lists/types';
import type { AcceptInput } from '../../../core/delivery/message-acceptor';
import { listFixture, type ListFixture } from '../lists-digest/list-fixture';
import { header, listKey } from './fixtures';

let f: ListFixture;
const accepted: AcceptInput[] = [];
beforeAll(async () => {
  f = await listFixture();
  f.deps.dkimKey = async (domain) => (domain === 'lists.test' ? { ...listKey().key } : null);
  f.deps.resolver = {
    mx: async () => [],
    addresses: async () => [],
    txt: async (name) => (name === '_dmarc.strict.example' ? ['v=DMARC1; p=reject'] : []),
  };
  f.deps.acceptor = {
    accept: async (input) => {
      accepted.push(input);
      return { queueId: input.queueId ?? 'x' };
    },
  };
});
afterAll(() => f.close());

const postOf = (queueId: string, from = 'Alice <alice@strict.example>'): ListPost => ({
  queueId,
  mailFrom: 'alice@strict.example',
  receivedAt: '2026-12-03T10:00:00.000Z',
  body: Buffer.from(
    `From: ${from}\r\nTo: dev@lists.test\r\nSubject: Hello\r\nMessage-ID: <${queueId}@strict.example>\r\n\r\nHi all\r\n`,
  ),
});

async function leaseFanout() {
  const jobs = await f.spool.receive('inbound', { max: 10, leaseSeconds: 60, owner: 'test' });
  return jobs.filter((j) => j.payload.list?.kind === 'fanout');
}
const jobsUnder = async (prefix: string) =>
  (await f.spool.list({ limit: 1000 })).filter((j) => j.id.startsWith(`${prefix}.`));

describe('distribute and fan-out', () => {
  let list: MailingList;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    const id = await f.addList('dev');
    await f.db.query(`UPDATE lists SET subject_prefix = '[dev]' WHERE id = $1`, [id]);
    list = (await new ListStore(f.db).getById(id))!;
    for (const a of [
      'ann@lists.test',
      'bob@remote.example',
      'cid@remote.example',
      'dee@remote.example',
      'eve@lists.test',
    ])
      ids[a] = await f.addMember(id, a);
    await f.db.query(`UPDATE list_members SET delivery_mode = 'digest' WHERE id = $1`, [
      ids['cid@remote.example'],
    ]);
    await f.db.query(`UPDATE list_members SET disabled_reason = 'bounces' WHERE id = $1`, [
      ids['dee@remote.example'],
    ]);
  });

  it('enqueues one fan-out job per post (idempotent), then one job per deliverable member', async () => {
    const distributor = createPostDistributor(f.deps);
    await distributor.distribute(list, postOf('Q1'));
    await distributor.distribute(list, postOf('Q1')); // a retried delivery job
    const queueId = fanoutQueueId(postOf('Q1'), list);
    const [job, ...more] = await leaseFanout();
    expect(more).toEqual([]);
    expect(job.id).toBe(queueId);
    expect(job.payload.recipients).toEqual([]);
    expect(job.payload.list).toMatchObject({
      kind: 'fanout',
      listId: list.id,
      postBlobKey: job.payload.blobKey,
    });
    expect(await f.refcount(job.payload.blobKey)).toBe(1);
    const base = await f.deps.blobs.get(job.payload.blobKey);
    expect(header(base, 'From')).toEqual(['"Alice via Dev" <dev@lists.test>']);
    expect(header(base, 'ARC-Seal')).toHaveLength(1);
    // Archived once (L3's archive) even though distribute ran twice; the copy links to it.
    const archived = await f.db.query(`SELECT 1 FROM list_archive WHERE list_id = $1`, [list.id]);
    expect(archived.rows).toHaveLength(1);
    expect(header(base, 'Archived-At')[0]).toMatch(
      /^<https:\/\/mail\.lists\.test\/webmail\/lists\/dev%40lists\.test\/archive\/[A-Za-z0-9_-]{16}>$/,
    );
    expect(header(base, 'List-Archive')).toEqual([
      '<https://mail.lists.test/webmail/lists/dev%40lists.test/archive>',
    ]);

    await runFanout(f.deps, job);
    const copies = await jobsUnder(queueId);
    expect(copies.map((j) => [j.id, j.queue]).sort()).toEqual(
      [
        [`${queueId}.${ids['ann@lists.test']}`, 'inbound'],
        [`${queueId}.${ids['bob@remote.example']}`, 'outbound'],
        [`${queueId}.${ids['eve@lists.test']}`, 'inbound'],
      ].sort(),
    );
    const bob = copies.find((j) => j.queue === 'outbound')!;
    expect(bob.payload.mailFrom).toBe('dev-bounces+bob=remote.example@lists.test');
    expect(bob.payload.recipients).toEqual([{ address: 'bob@remote.example' }]);
    const bytes = await f.deps.blobs.get(bob.payload.blobKey);
    expect(header(bytes, 'List-Unsubscribe')[0]).toContain(
      'https://mail.lists.test/webmail/lists/unsubscribe/u-',
    );
    expect(header(bytes, 'DKIM-Signature')[0]).toMatch(/list-unsubscribe-post/i);
    expect(header(bytes, 'Subject')).toEqual(['[dev] Hello']);
    for (const c of copies) expect(await f.refcount(c.payload.blobKey)).toBe(1);
    // The fan-out job is done: acked, its reference and cursor gone.
    expect(await f.spool.get(queueId)).toBeNull();
    expect(await f.refcount(job.payload.blobKey)).toBe(0);
    expect(
      (await f.db.query(`SELECT 1 FROM list_fanout_progress WHERE queue_id = $1`, [queueId])).rows,
    ).toEqual([]);
  });

  it('a failure mid-list retries the job, which resumes after the saved page without sending twice', async () => {
    await createPostDistributor(f.deps).distribute(list, postOf('Q2', 'Bob <bob@relaxed.example>'));
    const queueId = fanoutQueueId(postOf('Q2'), list);
    const real = f.deps.spool;
    let calls = 0;
    const failing = Object.create(real) as typeof real;
    failing.enqueueMany = async (queue, jobs) => {
      if (++calls === 3) throw new Error('spool down'); // page 1 is two calls (outbound, inbound)
      return real.enqueueMany(queue, jobs);
    };
    const [job] = await leaseFanout();
    await runFanout({ ...f.deps, spool: failing }, job);
    const saved = await f.db.query<{ cursor_member_id: string }>(
      `SELECT cursor_member_id FROM list_fanout_progress WHERE queue_id = $1`,
      [queueId],
    );
    expect(String(saved.rows[0].cursor_member_id)).toBe(ids['bob@remote.example']);
    const parked = (await f.spool.get(queueId))!;
    expect(parked.lastError).toMatch(/spool down/);
    await f.spool.retryNow(queueId);
    const [again] = await leaseFanout();
    const enqueued: string[] = [];
    const watching = Object.create(real) as typeof real;
    watching.enqueueMany = async (queue, jobs) => {
      enqueued.push(...jobs.map((j) => j.id));
      return real.enqueueMany(queue, jobs);
    };
    await runFanout({ ...f.deps, spool: watching }, again);
    expect(enqueued).toEqual([`${queueId}.${ids['eve@lists.test']}`]);
    expect((await jobsUnder(queueId)).length).toBe(3);
    // From is left alone: relaxed.example publishes no strict policy.
    const copy = (await jobsUnder(queueId))[0];
    expect(header(await f.deps.blobs.get(copy.payload.blobKey), 'From')).toEqual([
      'Bob <bob@relaxed.example>',
    ]);
  });
});

describe('bounce handler', () => {
  it('scores hard bounces once a day, disables at the threshold and tells owners and member', async () => {
    const id = await f.addList('ops');
    const list = (await new ListStore(f.db).getById(id))!;
    await f.addMember(id, 'zed@remote.example');
    await f.addRole(id, 'owner@lists.test', 'owner');
    const handler = createBounceHandler(f.deps);
    const bounce = buildDsn({
      reportingMta: 'mx.remote.example',
      to: 'ops-bounces+zed=remote.example@lists.test',
      arrivalDate: new Date(),
      recipients: [{ address: 'zed@remote.example', action: 'failed', status: '5.1.1' }],
      original: postOf('Q3').body,
    });
    const score = async () =>
      (
        await f.db.query<{ bounce_score: number; disabled_reason: string | null }>(
          `SELECT bounce_score, disabled_reason FROM list_members WHERE list_id = $1`,
          [id],
        )
      ).rows[0];
    for (let day = 1; day <= 5; day++) {
      f.clock.now = new Date(Date.UTC(2026, 11, day, 9));
      await handler.handle(list, 'zed@remote.example', bounce);
      await handler.handle(list, 'zed@remote.example', bounce); // same day: counted once
      expect(Number((await score()).bounce_score)).toBe(day);
      expect((await score()).disabled_reason).toBe(day < 5 ? null : 'bounces');
    }
    const notices = accepted.filter((a) => a.mailFrom === 'ops-bounces@lists.test');
    expect(notices.map((n) => n.recipients.map((r) => r.address))).toEqual([
      ['owner@lists.test'],
      ['zed@remote.example'],
    ]);
    // A disabled member gets no more copies, and more bounces change nothing.
    await handler.handle(list, 'zed@remote.example', bounce);
    expect(accepted.filter((a) => a.mailFrom === 'ops-bounces@lists.test')).toHaveLength(2);
  });
});
