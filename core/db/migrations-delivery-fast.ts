/**
 * Migrations for one-statement local delivery: versions 80-84 (80 used). The batch fast path of
 * core/delivery/batch-delivery.ts as a PL/pgSQL function, so a batch of spool jobs is stored,
 * settled and (SQL spool) acked by one statement in one implicit transaction: one round trip
 * instead of seven (BEGIN, dedupe, account locks, UID allocation, messages, settle, COMMIT).
 * Same dialect rules as migrations.ts; PL/pgSQL runs on PGlite, PostgreSQL and Aurora alike.
 */
import type { Migration } from './migrations';

export const deliveryFastMigrations: Migration[] = [
  {
    version: 80,
    name: 'Local delivery of a batch in one statement',
    // Per item (one job × one recipient): dedupe on (queue id, recipient), account locks in id
    // order, quota checked in item order (a later, smaller item may still fit), UIDs and MODSEQs
    // in item order under the mailbox locks (taken in id order). Per job: a job with an item over
    // quota is not done (the per-job path takes it); a done job releases its spool reference once
    // and, with p_ack, is deleted in this same transaction.
    sql: `
CREATE FUNCTION deliver_batch(
  p_queue TEXT[], p_rcpt TEXT[], p_account BIGINT[], p_size BIGINT[], p_date TIMESTAMPTZ[],
  p_blob TEXT[], p_blob_size BIGINT[], p_prefix BYTEA[], p_structure TEXT[],
  p_job_queue TEXT[], p_job_blob TEXT[], p_job_size BIGINT[], p_job_id TEXT[], p_job_token TEXT[],
  p_ack BOOLEAN)
RETURNS TABLE (out_index INT, out_outcome TEXT, out_mailbox BIGINT, out_uid BIGINT, out_modseq BIGINT,
               out_away BOOLEAN) AS $$
DECLARE
  v_n INT := coalesce(array_length(p_queue, 1), 0);
  v_fresh TEXT[];
  v_outcome TEXT[] := array_fill('duplicate'::TEXT, ARRAY[v_n]);
  v_mailbox BIGINT[] := array_fill(NULL::BIGINT, ARRAY[v_n]);
  v_uid BIGINT[] := array_fill(NULL::BIGINT, ARRAY[v_n]);
  v_modseq BIGINT[] := array_fill(NULL::BIGINT, ARRAY[v_n]);
  v_away BOOLEAN[] := array_fill(false, ARRAY[v_n]);
  v_acc BIGINT[] := '{}';
  v_quota BIGINT[] := '{}';
  v_used BIGINT[] := '{}';
  v_inbox BIGINT[] := '{}';
  v_acc_away BOOLEAN[] := '{}';
  v_over TEXT[] := '{}';
  v_done BOOLEAN[];
  v_key TEXT;
  v_next BIGINT;
  v_next_modseq BIGINT;
  j INT;
  r RECORD;
BEGIN
  IF v_n = 0 THEN RETURN; END IF;
  -- 1. Dedupe: a job delivered before (crash after commit, before ack) is skipped per recipient.
  WITH ins AS (
    INSERT INTO deliveries (queue_id, recipient)
    SELECT * FROM unnest(p_queue, p_rcpt) ON CONFLICT DO NOTHING RETURNING queue_id, recipient)
  SELECT coalesce(array_agg(queue_id || ' ' || recipient), '{}') INTO v_fresh FROM ins;
  FOR i IN 1..v_n LOOP
    v_key := p_queue[i] || ' ' || p_rcpt[i];
    -- One item per fresh key: an at-least-once queue can put the same job twice in one batch.
    IF v_key = ANY(v_fresh) THEN
      v_outcome[i] := 'fresh';
      v_fresh := array_remove(v_fresh, v_key);
    END IF;
  END LOOP;

  -- 2. The accounts (quota) and their INBOXes, locked in id order.
  FOR r IN SELECT a.id, a.quota_bytes, a.used_bytes, m.id AS inbox,
                  EXISTS (SELECT 1 FROM jmap_vacation v WHERE v.account_id = a.id AND v.is_enabled) AS away
           FROM accounts a JOIN mailboxes m ON m.account_id = a.id AND m.name = 'INBOX'
           WHERE a.id IN (SELECT x.a FROM unnest(p_account, v_outcome) AS x(a, o) WHERE x.o = 'fresh')
           ORDER BY a.id FOR UPDATE OF a LOOP
    v_acc := v_acc || r.id; v_quota := v_quota || r.quota_bytes; v_used := v_used || r.used_bytes;
    v_inbox := v_inbox || r.inbox; v_acc_away := v_acc_away || r.away;
  END LOOP;
  FOR i IN 1..v_n LOOP
    CONTINUE WHEN v_outcome[i] <> 'fresh';
    j := array_position(v_acc, p_account[i]);
    IF j IS NULL OR (v_quota[j] IS NOT NULL AND v_used[j] + p_size[i] > v_quota[j]) THEN
      v_outcome[i] := 'over';
      v_over := v_over || p_queue[i];
    ELSE
      v_used[j] := v_used[j] + p_size[i];
      v_outcome[i] := 'stored';
      v_mailbox[i] := v_inbox[j];
      v_away[i] := v_acc_away[j];
    END IF;
  END LOOP;
  -- Not delivered: forget the dedupe rows so the per-job path (and its retries) can deliver later.
  DELETE FROM deliveries d USING unnest(p_queue, p_rcpt, v_outcome) AS x(q, r, o)
   WHERE x.o = 'over' AND d.queue_id = x.q AND d.recipient = x.r;

  -- 3. UIDs and MODSEQs per mailbox, in item order, under the mailbox row locks (id order).
  PERFORM 1 FROM mailboxes WHERE id IN (SELECT unnest(v_mailbox)) ORDER BY id FOR UPDATE;
  FOR r IN UPDATE mailboxes m SET uidnext = m.uidnext + c.k, highestmodseq = m.highestmodseq + c.k,
                  message_count = m.message_count + c.k, unseen_count = m.unseen_count + c.k
           FROM (SELECT x.mb, count(*)::BIGINT AS k FROM unnest(v_mailbox, v_outcome) AS x(mb, o)
                 WHERE x.o = 'stored' GROUP BY x.mb) c
           WHERE m.id = c.mb
           RETURNING m.id, m.uidnext - c.k AS first_uid, m.highestmodseq - c.k + 1 AS first_modseq LOOP
    v_next := r.first_uid;
    v_next_modseq := r.first_modseq;
    FOR i IN 1..v_n LOOP
      IF v_outcome[i] = 'stored' AND v_mailbox[i] = r.id THEN
        v_uid[i] := v_next; v_modseq[i] := v_next_modseq;
        v_next := v_next + 1; v_next_modseq := v_next_modseq + 1;
      END IF;
    END LOOP;
  END LOOP;

  -- 4. The messages.
  INSERT INTO messages (mailbox_id, uid, modseq, internal_date, size, blob_key, header_prefix, structure)
  SELECT x.m, x.u, x.s, x.d, x.z, x.k, x.p, x.j::jsonb
  FROM unnest(v_mailbox, v_uid, v_modseq, p_date, p_size, p_blob, p_prefix, p_structure, v_outcome)
       AS x(m, u, s, d, z, k, p, j, o)
  WHERE x.o = 'stored';

  -- 5. Settle: copies' references and usage, each done job's
  --    spool reference released once, and the ack of the done jobs.
  v_done := ARRAY(SELECT NOT (q = ANY(v_over)) FROM unnest(p_job_queue) AS q);
  WITH jobs AS (
    SELECT DISTINCT ON (q) q, k, z, id, token FROM unnest(p_job_queue, p_job_blob, p_job_size, p_job_id,
                                                          p_job_token, v_done) AS x(q, k, z, id, token, done)
    WHERE x.done),
  released AS (
    INSERT INTO deliveries (queue_id, recipient)
    SELECT q, '#spool-reference' FROM jobs ON CONFLICT DO NOTHING RETURNING queue_id),
  delta AS (
    SELECT d.k AS key, max(d.z) AS size, sum(d.n)::INT AS n FROM (
      SELECT x.k, x.z, 1 AS n FROM unnest(p_blob, p_blob_size, v_outcome) AS x(k, z, o) WHERE x.o = 'stored'
      UNION ALL
      SELECT jobs.k, jobs.z, -1 FROM jobs JOIN released rel ON rel.queue_id = jobs.q) d
    GROUP BY d.k),
  refs AS (
    INSERT INTO blobs (key, size, refcount)
    SELECT key, size, n FROM delta
    WHERE n > 0 OR EXISTS (SELECT 1 FROM blobs b WHERE b.key = delta.key)
    ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + EXCLUDED.refcount, updated_at = now()),
  used AS (
    UPDATE accounts a SET used_bytes = a.used_bytes + u.bytes
    FROM (SELECT x.a, sum(x.z) AS bytes FROM unnest(p_account, p_size, v_outcome) AS x(a, z, o)
          WHERE x.o = 'stored' GROUP BY x.a) u
    WHERE a.id = u.a)
  DELETE FROM spool_jobs s USING jobs
  WHERE p_ack AND s.id = jobs.id AND s.lease_owner = jobs.token;

  RETURN QUERY SELECT i, v_outcome[i], v_mailbox[i], v_uid[i], v_modseq[i], v_away[i]
               FROM generate_series(1, v_n) AS i;
END;
$$ LANGUAGE plpgsql;
`,
  },
];
