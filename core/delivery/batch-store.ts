import type { LeasedJob } from '../ports/spool';
import type { SqlExecutor } from '../ports/sql';

/** One copy to store: a job's message for one local account. */
export interface BatchItem {
  job: LeasedJob;
  account: { id: number; address: string };
  /** Return-Path and Delivered-To, stored before the spooled message. */
  prefix: Buffer;
  /** JSON of the message structure (core/mime parseMessageStructure). */
  structure: string;
  /** Stored size: prefix + message. */
  size: number;
}

/** What became of an item: stored (with its place), over quota, or delivered before. */
export type ItemOutcome =
  | { kind: 'stored'; mailboxId: number; uid: number; modseq: number; away: boolean }
  | { kind: 'over' }
  | { kind: 'duplicate' };

const DEADLOCK_CODES = new Set(['40001', '40P01']);

/**
 * Stores a batch with deliver_batch (core/db/migrations-delivery-fast.ts): dedupe, quota, UIDs,
 * messages, references, usage, the spool references of the done jobs and, with `ack`, their
 * deletion, in one statement and so one implicit transaction. `jobs` are the jobs the batch may
 * finish (a job with an item over quota is left for the per-job path by the function itself).
 * A deadlock or serialization failure rolls the statement back whole, so it is simply run again.
 */
export async function storeBatch(
  db: SqlExecutor,
  items: BatchItem[],
  jobs: LeasedJob[],
  options: { ack: boolean },
): Promise<ItemOutcome[]> {
  const params = [
    items.map((i) => i.job.payload.queueId),
    items.map((i) => i.account.address),
    items.map((i) => i.account.id),
    items.map((i) => i.size),
    items.map((i) => new Date(i.job.payload.receivedAt)),
    items.map((i) => i.job.payload.blobKey),
    items.map((i) => i.job.payload.size),
    items.map((i) => i.prefix),
    items.map((i) => i.structure),
    jobs.map((j) => j.payload.queueId),
    jobs.map((j) => j.payload.blobKey),
    jobs.map((j) => j.payload.size),
    jobs.map((j) => j.id),
    jobs.map((j) => j.leaseToken),
    options.ack,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await db.query<{
        out_index: number;
        out_outcome: string;
        out_mailbox: number | null;
        out_uid: number | null;
        out_modseq: number | null;
        out_away: boolean;
      }>(
        `SELECT * FROM deliver_batch($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[],
           $6::text[], $7::bigint[], $8::bytea[], $9::text[], $10::text[], $11::text[], $12::bigint[],
           $13::text[], $14::text[], $15::boolean)`,
        params,
      );
      const outcomes: ItemOutcome[] = items.map(() => ({ kind: 'duplicate' }));
      for (const row of result.rows) {
        const index = Number(row.out_index) - 1;
        if (row.out_outcome === 'stored')
          outcomes[index] = {
            kind: 'stored',
            mailboxId: Number(row.out_mailbox),
            uid: Number(row.out_uid),
            modseq: Number(row.out_modseq),
            away: row.out_away === true,
          };
        else if (row.out_outcome === 'over') outcomes[index] = { kind: 'over' };
      }
      return outcomes;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code && DEADLOCK_CODES.has(code) && attempt < 4) continue;
      throw error;
    }
  }
}
