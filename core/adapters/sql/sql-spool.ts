import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../../ports/sql';
import type { JobState, JobSummary, LeasedJob, QueueName, Spool, SpoolPayload } from '../../ports/spool';

interface JobRow {
  id: string;
  queue: QueueName;
  state: JobState;
  payload: SpoolPayload;
  attempts: number;
  visible_at: Date;
  lease_owner: string | null;
  last_error: string | null;
  created_at: Date;
}

/**
 * Spool jobs in SQL. On PostgreSQL several nodes share it safely: receive() claims with
 * FOR UPDATE SKIP LOCKED, and a lease that expires (node died) makes the job visible again.
 */
export class SqlSpool implements Spool {
  constructor(private readonly db: SqlExecutor) {}

  /** Whether the jobs live in `db`, so that a transaction of `db` can write them with other rows. */
  storesIn(db: SqlExecutor): boolean {
    return this.db === db;
  }

  async enqueue(queue: QueueName, id: string, payload: SpoolPayload, options?: { delaySeconds?: number }) {
    await this.db.query(
      `INSERT INTO spool_jobs (id, queue, state, payload, visible_at)
       VALUES ($1, $2, 'ready', $3::jsonb, now() + make_interval(secs => $4))
       ON CONFLICT (id) DO NOTHING`,
      [id, queue, JSON.stringify(payload), options?.delaySeconds ?? 0],
    );
  }

  async enqueueMany(queue: QueueName, jobs: { id: string; payload: SpoolPayload; delaySeconds?: number }[]) {
    if (jobs.length === 0) return;
    await this.db.query(
      `INSERT INTO spool_jobs (id, queue, state, payload, visible_at)
       SELECT id, $1, 'ready', payload::jsonb, now() + make_interval(secs => delay)
       FROM unnest($2::text[], $3::text[], $4::float8[]) AS j(id, payload, delay)
       ON CONFLICT (id) DO NOTHING`,
      [
        queue,
        jobs.map((j) => j.id),
        jobs.map((j) => JSON.stringify(j.payload)),
        jobs.map((j) => j.delaySeconds ?? 0),
      ],
    );
  }

  async receive(queue: QueueName, options: { max: number; leaseSeconds: number; owner: string }) {
    const token = `${options.owner}/${randomUUID()}`;
    const result = await this.db.query<JobRow>(
      `UPDATE spool_jobs SET state = 'leased', lease_owner = $1,
              visible_at = now() + make_interval(secs => $2), updated_at = now()
       WHERE id IN (
         SELECT id FROM spool_jobs
         WHERE queue = $3 AND state IN ('ready', 'leased') AND visible_at <= now()
         ORDER BY visible_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [token, options.leaseSeconds, queue, options.max],
    );
    return result.rows.map((row): LeasedJob => ({ ...toJob(row), leaseToken: token }));
  }

  async ack(job: LeasedJob): Promise<void> {
    await this.db.query(`DELETE FROM spool_jobs WHERE id = $1 AND lease_owner = $2`, [
      job.id,
      job.leaseToken,
    ]);
  }

  async ackMany(jobs: LeasedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.db.query(
      `DELETE FROM spool_jobs s USING unnest($1::text[], $2::text[]) AS x(id, token)
       WHERE s.id = x.id AND s.lease_owner = x.token`,
      [jobs.map((job) => job.id), jobs.map((job) => job.leaseToken)],
    );
  }

  async retryLater(job: LeasedJob, delaySeconds: number, error: string, payload?: SpoolPayload) {
    await this.db.query(
      `UPDATE spool_jobs SET state = 'ready', lease_owner = NULL, attempts = attempts + 1, last_error = $3,
              payload = COALESCE($4::jsonb, payload),
              visible_at = now() + make_interval(secs => $5), updated_at = now()
       WHERE id = $1 AND lease_owner = $2`,
      [job.id, job.leaseToken, error, payload ? JSON.stringify(payload) : null, delaySeconds],
    );
  }

  async deadLetter(job: LeasedJob, error: string, payload?: SpoolPayload) {
    await this.db.query(
      `UPDATE spool_jobs SET state = 'dead', lease_owner = NULL, attempts = attempts + 1, last_error = $3,
              payload = COALESCE($4::jsonb, payload), updated_at = now()
       WHERE id = $1 AND lease_owner = $2`,
      [job.id, job.leaseToken, error, payload ? JSON.stringify(payload) : null],
    );
  }

  async extendLease(job: LeasedJob, seconds: number): Promise<void> {
    await this.db.query(
      `UPDATE spool_jobs SET visible_at = now() + make_interval(secs => $3), updated_at = now()
       WHERE id = $1 AND lease_owner = $2`,
      [job.id, job.leaseToken, seconds],
    );
  }

  async releaseLeases(owner: string): Promise<number> {
    const result = await this.db.query(
      `UPDATE spool_jobs SET state = 'ready', lease_owner = NULL, visible_at = now(), updated_at = now()
       WHERE state = 'leased' AND lease_owner LIKE $1`,
      [`${owner.replace(/[\\%_]/g, '\\$&')}/%`],
    );
    return result.rowCount;
  }

  async list(filter: { queue?: QueueName; state?: JobState; limit?: number } = {}): Promise<JobSummary[]> {
    const result = await this.db.query<JobRow>(
      `SELECT * FROM spool_jobs
       WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR state = $2)
       ORDER BY created_at, id LIMIT $3`,
      [filter.queue ?? null, filter.state ?? null, filter.limit ?? 1000],
    );
    return result.rows.map(toSummary);
  }

  async get(id: string): Promise<JobSummary | null> {
    const result = await this.db.query<JobRow>(`SELECT * FROM spool_jobs WHERE id = $1`, [id]);
    return result.rows[0] ? toSummary(result.rows[0]) : null;
  }

  async retryNow(id: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE spool_jobs SET state = 'ready', lease_owner = NULL, visible_at = now(), updated_at = now()
       WHERE id = $1 AND state <> 'leased'`,
      [id],
    );
    return result.rowCount > 0;
  }

  async remove(id: string): Promise<JobSummary | null> {
    const result = await this.db.query<JobRow>(`DELETE FROM spool_jobs WHERE id = $1 RETURNING *`, [id]);
    return result.rows[0] ? toSummary(result.rows[0]) : null;
  }

  async depth(queue: QueueName) {
    const result = await this.db.query<{
      ready: number;
      leased: number;
      dead: number;
      oldest: number | null;
    }>(
      `SELECT count(*) FILTER (WHERE state = 'ready' OR (state = 'leased' AND visible_at <= now()))::int AS ready,
              count(*) FILTER (WHERE state = 'leased' AND visible_at > now())::int AS leased,
              count(*) FILTER (WHERE state = 'dead')::int AS dead,
              extract(epoch FROM now() - min(created_at) FILTER (WHERE state <> 'dead'))::float8 AS oldest
       FROM spool_jobs WHERE queue = $1`,
      [queue],
    );
    const row = result.rows[0];
    return {
      ready: row.ready,
      leased: row.leased,
      dead: row.dead,
      oldestAgeSeconds: Math.round(row.oldest ?? 0),
    };
  }
}

function toJob(row: JobRow) {
  return {
    id: row.id,
    queue: row.queue,
    payload: row.payload,
    attempts: Number(row.attempts),
    createdAt: new Date(row.created_at),
  };
}

function toSummary(row: JobRow): JobSummary {
  const leaseExpired = row.state === 'leased' && new Date(row.visible_at) <= new Date();
  return {
    ...toJob(row),
    state: leaseExpired ? 'ready' : row.state,
    visibleAt: new Date(row.visible_at),
    lastError: row.last_error,
  };
}
