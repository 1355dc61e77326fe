import { addToDigest } from '../../../core/lists/digest/collect';
import { setDigestFormat, setDigestThresholds } from '../../../core/lists/digest/digest-lists';
import { handleDigestJob, runDigestTask } from '../../../core/lists/digest/digest-task';
import { DigestNotDueError, digestJobId } from '../../../core/lists/digest/schedule';
import { parseMessageStructure } from '../../../core/mime';
import { listFixture, post, type ListFixture } from './list-fixture';

let f: ListFixture;
beforeAll(async () => {
  f = await listFixture();
});
afterAll(() => f.close());

async function jobs(prefix: string) {
  const all = await f.spool.list({ limit: 1000 });
  return all.filter((j) => j.id.startsWith(prefix));
}

describe('digests run by the spool', () => {
  test('posts collected; one job per list and period; not due → retried; due → one copy per digest member, once', async () => {
    f.clock.now = new Date('2026-12-03T10:00:00Z');
    const list = await f.addList('dev', { schedule: 'daily' });
    await f.addMember(list, 'normal@lists.test');
    const mime = await f.addMember(list, 'ann@lists.test', 'digest');
    const plain = await f.addMember(list, 'bob@remote.example', 'digest');
    const third = await f.addMember(list, 'cid@lists.test', 'digest');
    await setDigestFormat(f.db, list, 'bob@remote.example', 'plain');
    await addToDigest(f.deps, { id: list }, post(1));
    await addToDigest(f.deps, { id: list }, post(2));
    await addToDigest(f.deps, { id: list }, post(2)); // a retried fan-out: still two posts
    const id = digestJobId(list, 'd2026-12-03');
    expect((await jobs(`digest:${list}:`)).map((j) => j.id)).toEqual([id]);
    const scheduled = (await f.spool.get(id))!;
    expect(scheduled.payload.list).toEqual({ kind: 'digest', listId: list, period: 'd2026-12-03' });
    expect(scheduled.visibleAt.getTime()).toBeGreaterThan(Date.now()); // delayed (capped at 15 min)

    await expect(
      runDigestTask(f.deps, { kind: 'digest', listId: list, period: 'd2026-12-03' }),
    ).rejects.toBeInstanceOf(DigestNotDueError);

    f.clock.now = new Date('2026-12-04T00:00:10Z');
    await runDigestTask(f.deps, { kind: 'digest', listId: list, period: 'd2026-12-03' });
    const copies = await jobs(`${id}:`);
    expect(copies.map((j) => j.id).sort()).toEqual(
      [`${id}:${mime}`, `${id}:${plain}`, `${id}:${third}`].sort(),
    );
    const bob = copies.find((j) => j.id === `${id}:${plain}`)!;
    expect(bob.queue).toBe('outbound');
    expect(bob.payload.mailFrom).toBe('dev-bounces+bob=remote.example@lists.test');
    expect(bob.payload.recipients).toEqual([{ address: 'bob@remote.example' }]);
    const ann = copies.find((j) => j.id === `${id}:${mime}`)!;
    expect(ann.queue).toBe('inbound');
    const annBody = await f.deps.blobs.get(ann.payload.blobKey);
    const structure = parseMessageStructure(annBody);
    expect(structure.envelope.subject).toBe('Dev Digest, Vol 1, Issue 1');
    const bobBody = (await f.deps.blobs.get(bob.payload.blobKey)).toString('utf8');
    expect(bobBody).toContain('Subject: Dev Digest V1 #1');
    expect(bobBody).toContain('Topic number 2');

    // Each copy holds one reference; the issue and the collected posts hold none any more.
    expect(await f.refcount(ann.payload.blobKey)).toBe(2);
    expect(await f.refcount(bob.payload.blobKey)).toBe(1);
    expect(await f.refcount((await f.deps.blobs.put(post(1))).key)).toBe(0);

    // Run again (a crash before the ack): nothing more is sent.
    await runDigestTask(f.deps, { kind: 'digest', listId: list, period: 'd2026-12-03' });
    expect(await jobs(`${id}:`)).toHaveLength(3);
    expect(await f.refcount(ann.payload.blobKey)).toBe(2);
  });

  test('a crash mid-send resumes at the saved cursor; the pages before are not enqueued again', async () => {
    f.clock.now = new Date('2026-12-10T08:00:00Z');
    const list = await f.addList('ops', { schedule: 'weekly' });
    const members = [];
    for (let i = 0; i < 5; i++) members.push(await f.addMember(list, `m${i}@lists.test`, 'digest'));
    await addToDigest(f.deps, { id: list }, post(3));
    f.clock.now = new Date('2026-12-14T00:00:01Z');
    const spool = f.deps.spool;
    let calls = 0;
    const failing = Object.create(spool) as typeof spool;
    failing.enqueueMany = async (queue, batch) => {
      if (++calls === 2) throw new Error('node killed');
      return spool.enqueueMany(queue, batch);
    };
    const task = { kind: 'digest' as const, listId: list, period: 'w2026-12-07' };
    await expect(runDigestTask({ ...f.deps, spool: failing }, task)).rejects.toThrow('node killed');
    const id = digestJobId(list, 'w2026-12-07');
    expect(await jobs(`${id}:`)).toHaveLength(2); // page size 2
    let enqueued = 0;
    const counting = Object.create(spool) as typeof spool;
    counting.enqueueMany = async (queue, batch) => {
      enqueued += batch.length;
      return spool.enqueueMany(queue, batch);
    };
    await runDigestTask({ ...f.deps, spool: counting }, task);
    expect(enqueued).toBe(3);
    expect((await jobs(`${id}:`)).map((j) => j.id).sort()).toEqual(members.map((m) => `${id}:${m}`).sort());
  });

  test('enough posts waiting send an early digest; the job wakes early and goes back until due', async () => {
    f.clock.now = new Date('2026-12-05T12:00:00Z');
    const list = await f.addList('big', { schedule: 'monthly' });
    await f.addMember(list, 'dana@lists.test', 'digest');
    await setDigestThresholds(f.db, list, { maxPosts: 2, maxBytes: 0 });
    await addToDigest(f.deps, { id: list }, post(4));
    expect(await jobs(`digest:${list}:x`)).toHaveLength(0);
    await addToDigest(f.deps, { id: list }, post(5));
    const early = await jobs(`digest:${list}:x`);
    expect(early).toHaveLength(1);
    const [leased] = await f.spool
      .receive('inbound', { max: 100, leaseSeconds: 60, owner: 't' })
      .then((js) => js.filter((j) => j.id === early[0].id));
    await handleDigestJob(f.deps, leased);
    expect(await f.spool.get(early[0].id)).toBeNull(); // acked
    expect(await jobs(`${early[0].id}:`)).toHaveLength(1);

    // The monthly job, woken by the queue before the month ends, is put back.
    expect(await f.spool.retryNow(digestJobId(list, 'm2026-12'))).toBe(true);
    const monthly = (await f.spool.receive('inbound', { max: 100, leaseSeconds: 60, owner: 't' })).find(
      (j) => j.id === digestJobId(list, 'm2026-12'),
    )!;
    await handleDigestJob(f.deps, monthly);
    const back = (await f.spool.get(monthly.id))!;
    expect(back.state).toBe('ready');
    expect(back.lastError).toMatch(/not due/);
    expect(back.visibleAt.getTime()).toBeGreaterThan(Date.now());
  });
});
