/**
 * The Spool contract: the local SQL spool and the SQS spool pass the same behaviour tests.
 * Where SQS cannot do what SQL does, the capability flags say so and the test checks the
 * weaker guarantee the adapter documents instead (never silently skipped).
 */
import { randomBytes } from 'node:crypto';
import type { LeasedJob, QueueName, Spool, SpoolPayload } from '../../core/ports/spool';

export interface SpoolCapabilities {
  /** enqueue() twice with one id keeps one job (SQL); SQS standard queues keep at least one. */
  idempotentEnqueue: boolean;
  /** releaseLeases(owner) makes that owner's jobs visible at once (SQL); SQS waits for expiry. */
  releaseLeasesByOwner: boolean;
  /** list/get/remove/retryNow see waiting jobs (SQL); SQS sees dead-lettered ones only. */
  operatorSeesWaitingJobs: boolean;
}

export function payload(queueId: string, extra: Partial<SpoolPayload> = {}): SpoolPayload {
  return {
    queueId,
    blobKey: 'a'.repeat(64),
    size: 123,
    mailFrom: 'sender@remote.example',
    recipients: [{ address: 'alice@example.org' }],
    receivedAt: new Date().toISOString(),
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const owner = 'node-a';

/** Receives until `count` jobs arrived or `ms` passed (SQS may return fewer per call). */
export async function receiveAll(
  spool: Spool,
  queue: QueueName,
  count: number,
  leaseSeconds = 30,
  ms = 5000,
): Promise<LeasedJob[]> {
  const out: LeasedJob[] = [];
  const until = Date.now() + ms;
  while (out.length < count && Date.now() < until) {
    out.push(...(await spool.receive(queue, { max: count - out.length, leaseSeconds, owner })));
    if (out.length < count) await sleep(100);
  }
  return out;
}

export function spoolContract(name: string, setup: () => Promise<Spool>, caps: SpoolCapabilities): void {
  describe(`Spool contract: ${name}`, () => {
    let spool: Spool;
    beforeEach(async () => {
      spool = await setup();
    });
    const id = () => `T${randomBytes(6).toString('hex').toUpperCase()}`;

    test('enqueue → receive: the job with its payload, attempts 0 and a lease token', async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId, { dsn: { ret: 'HDRS', envid: 'e1' } }));
      const [job] = await receiveAll(spool, 'inbound', 1);
      expect(job.id).toBe(jobId);
      expect(job.queue).toBe('inbound');
      expect(job.payload.queueId).toBe(jobId);
      expect(job.payload.dsn).toEqual({ ret: 'HDRS', envid: 'e1' });
      expect(job.attempts).toBe(0);
      expect(job.leaseToken).toBeTruthy();
      expect(job.createdAt).toBeInstanceOf(Date);
      // Queues are separate.
      expect(await spool.receive('outbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
    });

    test('a leased job is invisible until its lease expires, then comes back (attempts unchanged)', async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      const [first] = await receiveAll(spool, 'inbound', 1, 2);
      expect(await spool.receive('inbound', { max: 10, leaseSeconds: 2, owner })).toEqual([]);
      await sleep(2500);
      const [again] = await receiveAll(spool, 'inbound', 1, 30);
      expect(again.id).toBe(first.id);
      // Attempts are ours, not the queue's receive count.
      expect(again.attempts).toBe(0);
      expect(again.leaseToken).not.toBe(first.leaseToken);
      await spool.ack(again);
    });

    test('extendLease keeps a long job invisible (heartbeat)', async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      const [job] = await receiveAll(spool, 'inbound', 1, 2);
      await spool.extendLease(job, 30);
      await sleep(2500);
      expect(await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
      await spool.ack(job);
    });

    test('ack removes the job for good', async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      const [job] = await receiveAll(spool, 'inbound', 1, 1);
      await spool.ack(job);
      await sleep(1500);
      expect(await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
      expect((await spool.depth('inbound')).ready).toBe(0);
    });

    test('enqueueMany and ackMany handle more than one SQS batch (25 jobs), receive loops past 10', async () => {
      const ids = Array.from({ length: 25 }, id);
      await spool.enqueueMany(
        'inbound',
        ids.map((jobId) => ({ id: jobId, payload: payload(jobId) })),
      );
      const jobs = await receiveAll(spool, 'inbound', 25, 30, 10_000);
      expect(new Set(jobs.map((j) => j.id))).toEqual(new Set(ids));
      await spool.ackMany(jobs);
      expect(await spool.receive('inbound', { max: 50, leaseSeconds: 30, owner })).toEqual([]);
    });

    test('retryLater: attempts + 1, the new payload, visible again only after the delay', async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      const [job] = await receiveAll(spool, 'inbound', 1);
      await spool.retryLater(job, 2, '4.2.2 over quota', { ...job.payload, done: ['x@example.org'] });
      expect(await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
      const [again] = await receiveAll(spool, 'inbound', 1, 30, 6000);
      expect(again.id).toBe(jobId);
      expect(again.attempts).toBe(1);
      expect(again.payload.done).toEqual(['x@example.org']);
      await spool.retryLater(again, 0, 'again');
      const [third] = await receiveAll(spool, 'inbound', 1);
      expect(third.attempts).toBe(2);
      await spool.ack(third);
    });

    test('a retry longer than SQS allows (1 h) waits and counts as ready, not lost', async () => {
      const jobId = id();
      await spool.enqueue('outbound', jobId, payload(jobId));
      const [job] = await receiveAll(spool, 'outbound', 1);
      await spool.retryLater(job, 3600, '4.4.1 no answer');
      await sleep(300);
      expect(await spool.receive('outbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
      const depth = await spool.depth('outbound');
      expect(depth.ready).toBe(1);
      expect(depth.leased).toBe(0);
    });

    test('enqueue with a delay', async () => {
      const jobId = id();
      await spool.enqueue('outbound', jobId, payload(jobId), { delaySeconds: 2 });
      expect(await spool.receive('outbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
      const [job] = await receiveAll(spool, 'outbound', 1, 30, 6000);
      expect(job.id).toBe(jobId);
    });

    test('deadLetter: out of the queue, visible to the operator, retryNow brings it back, remove deletes', async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      const [job] = await receiveAll(spool, 'inbound', 1);
      await spool.deadLetter(job, '5.1.1 mailbox does not exist');
      expect(await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner })).toEqual([]);
      expect((await spool.depth('inbound')).dead).toBe(1);
      const dead = await spool.list({ state: 'dead' });
      expect(dead.map((j) => j.id)).toEqual([jobId]);
      expect(dead[0].lastError).toBe('5.1.1 mailbox does not exist');
      expect(dead[0].attempts).toBe(1);
      const shown = await spool.get(jobId);
      expect(shown?.state).toBe('dead');
      expect(await spool.retryNow(jobId)).toBe(true);
      const [back] = await receiveAll(spool, 'inbound', 1);
      expect(back.id).toBe(jobId);
      await spool.deadLetter(back, 'dead again');
      const removed = await spool.remove(jobId);
      expect(removed?.id).toBe(jobId);
      expect(await spool.get(jobId)).toBeNull();
      expect(await spool.retryNow(jobId)).toBe(false);
      expect((await spool.depth('inbound')).dead).toBe(0);
    });

    test('depth counts ready and leased jobs', async () => {
      const ids = [id(), id(), id()];
      await spool.enqueueMany(
        'inbound',
        ids.map((jobId) => ({ id: jobId, payload: payload(jobId) })),
      );
      const jobs = await receiveAll(spool, 'inbound', 1);
      const depth = await spool.depth('inbound');
      expect(depth.ready).toBe(2);
      expect(depth.leased).toBe(1);
      expect(depth.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
      await spool.ackMany(jobs);
    });

    test(`enqueueing an id twice ${caps.idempotentEnqueue ? 'keeps one job' : 'keeps at least one job (dedupe happens at delivery)'}`, async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      await spool.enqueue('inbound', jobId, payload(jobId));
      const jobs = await receiveAll(spool, 'inbound', 2, 30, 1500);
      expect(jobs.every((j) => j.id === jobId)).toBe(true);
      if (caps.idempotentEnqueue) expect(jobs).toHaveLength(1);
      else expect(jobs.length).toBeGreaterThanOrEqual(1);
    });

    test(`releaseLeases(owner) ${caps.releaseLeasesByOwner ? 'makes that node’s jobs visible now' : 'is a documented no-op: the lease expires instead'}`, async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      await receiveAll(spool, 'inbound', 1, 2);
      const released = await spool.releaseLeases(owner);
      const jobs = await spool.receive('inbound', { max: 10, leaseSeconds: 30, owner });
      if (caps.releaseLeasesByOwner) {
        expect(released).toBe(1);
        expect(jobs.map((j) => j.id)).toEqual([jobId]);
      } else {
        expect(released).toBe(0);
        expect(jobs).toEqual([]);
        await sleep(2500);
        expect((await receiveAll(spool, 'inbound', 1)).map((j) => j.id)).toEqual([jobId]);
      }
    });

    test(`the operator view ${caps.operatorSeesWaitingJobs ? 'shows waiting jobs' : 'refuses to list waiting jobs, naming why'}`, async () => {
      const jobId = id();
      await spool.enqueue('inbound', jobId, payload(jobId));
      if (caps.operatorSeesWaitingJobs) {
        expect((await spool.list({ state: 'ready' })).map((j) => j.id)).toContain(jobId);
        expect((await spool.get(jobId))?.state).toBe('ready');
      } else {
        await expect(spool.list({ state: 'ready' })).rejects.toThrow(/not possible on SQS/);
        expect(await spool.get(jobId)).toBeNull();
      }
    });
  });
}
