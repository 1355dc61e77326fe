/**
 * Migrations for one-round-trip IMAP writes: versions 72-79 (72-75 used). STORE and EXPUNGE as PL/pgSQL
 * functions, so each is one statement from the node (PL/pgSQL runs on PGlite, PostgreSQL and
 * Aurora alike, and the Data API calls it like any SELECT). Same dialect rules as migrations.ts.
 * The callers are core/store/flags.ts and core/store/copy-move.ts.
 */
import type { Migration } from './migrations';

export const imapFastMigrations: Migration[] = [
  {
    version: 72,
    name: 'IMAP STORE in one statement',
    // Flags compare case-insensitively as in flags.ts (apply, sameSet); 'replace' here keeps no
    // flag of the old set, so callers with ACL-fixed flags use the transaction in flags.ts.
    // One MODSEQ for the command, taken under the mailbox row lock, only if something changes.
    sql: `
CREATE FUNCTION imap_store_flags(p_mailbox BIGINT, p_uids BIGINT[], p_op TEXT, p_flags TEXT[],
                                 p_unchanged_since BIGINT)
RETURNS TABLE (out_uid BIGINT, out_flags TEXT[], out_modseq BIGINT, out_outcome TEXT) AS $$
DECLARE
  r RECORD;
  v_next TEXT[];
  v_lower TEXT[];
  v_flag TEXT;
  v_modseq BIGINT := 0;
  v_unseen INT := 0;
BEGIN
  PERFORM 1 FROM mailboxes WHERE id = p_mailbox FOR UPDATE;
  FOR r IN SELECT m.id, m.uid, m.flags, m.modseq FROM messages m
           WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(p_uids) ORDER BY m.uid LOOP
    IF p_unchanged_since IS NOT NULL AND r.modseq > p_unchanged_since THEN
      out_uid := r.uid; out_flags := r.flags; out_modseq := r.modseq; out_outcome := 'modified';
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF p_op = 'add' THEN
      v_next := r.flags;
      v_lower := ARRAY(SELECT lower(f) FROM unnest(r.flags) f);
      FOREACH v_flag IN ARRAY p_flags LOOP
        IF NOT (lower(v_flag) = ANY(v_lower)) THEN
          v_next := v_next || v_flag;
          v_lower := v_lower || lower(v_flag);
        END IF;
      END LOOP;
    ELSIF p_op = 'remove' THEN
      v_lower := ARRAY(SELECT lower(f) FROM unnest(p_flags) f);
      v_next := ARRAY(SELECT f FROM unnest(r.flags) WITH ORDINALITY AS x(f, n)
                      WHERE NOT (lower(f) = ANY(v_lower)) ORDER BY n);
    ELSE
      v_next := ARRAY(SELECT f FROM (SELECT f, min(n) AS n FROM unnest(p_flags) WITH ORDINALITY AS x(f, n)
                                     GROUP BY f) y ORDER BY n);
    END IF;
    IF cardinality(v_next) = cardinality(r.flags)
       AND NOT EXISTS (SELECT 1 FROM unnest(r.flags) f
                       WHERE NOT (lower(f) = ANY(ARRAY(SELECT lower(g) FROM unnest(v_next) g)))) THEN
      out_uid := r.uid; out_flags := r.flags; out_modseq := r.modseq; out_outcome := 'unchanged';
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF v_modseq = 0 THEN
      UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = p_mailbox
        RETURNING highestmodseq INTO v_modseq;
    END IF;
    IF ('\\Seen' = ANY(r.flags)) <> ('\\Seen' = ANY(v_next)) THEN
      v_unseen := v_unseen + CASE WHEN '\\Seen' = ANY(v_next) THEN -1 ELSE 1 END;
    END IF;
    UPDATE messages SET flags = v_next, modseq = v_modseq WHERE id = r.id;
    out_uid := r.uid; out_flags := v_next; out_modseq := v_modseq; out_outcome := 'updated';
    RETURN NEXT;
  END LOOP;
  IF v_unseen <> 0 THEN
    UPDATE mailboxes SET unseen_count = unseen_count + v_unseen WHERE id = p_mailbox;
  END IF;
END;
$$ LANGUAGE plpgsql;
`,
  },
  {
    version: 73,
    name: 'IMAP EXPUNGE in one statement',
    // expungeWithModseq (copy-move.ts) in one call: the \\Deleted messages (within p_within when
    // given) are chosen under the mailbox row lock. The retention hold's extra blob reference and
    // the deleted row's released one cancel out, so the blobs table is not touched.
    sql: `
CREATE FUNCTION imap_expunge(p_account BIGINT, p_mailbox BIGINT, p_within BIGINT[], p_retain_secs INT)
RETURNS TABLE (out_uid BIGINT, out_modseq BIGINT) AS $$
DECLARE
  v_uids BIGINT[];
  v_modseq BIGINT;
  v_count INT;
  v_bytes BIGINT;
  v_unseen INT;
BEGIN
  PERFORM 1 FROM mailboxes WHERE id = p_mailbox AND account_id = p_account FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  v_uids := ARRAY(SELECT m.uid FROM messages m WHERE m.mailbox_id = p_mailbox AND '\\Deleted' = ANY(m.flags)
                    AND (p_within IS NULL OR m.uid = ANY(p_within)) ORDER BY m.uid);
  IF cardinality(v_uids) = 0 THEN RETURN; END IF;
  UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = p_mailbox
    RETURNING highestmodseq INTO v_modseq;
  INSERT INTO expunged_messages
    (mailbox_id, uid, modseq, flags, last_modseq, internal_date, size, blob_key, header_prefix, structure,
     retained_until)
  SELECT m.mailbox_id, m.uid, v_modseq, m.flags, m.modseq, m.internal_date, m.size, m.blob_key,
         m.header_prefix, m.structure, now() + make_interval(secs => p_retain_secs)
  FROM messages m WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(v_uids)
  ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq, flags = EXCLUDED.flags,
    last_modseq = EXCLUDED.last_modseq, internal_date = EXCLUDED.internal_date, size = EXCLUDED.size,
    blob_key = EXCLUDED.blob_key, header_prefix = EXCLUDED.header_prefix, structure = EXCLUDED.structure,
    retained_until = EXCLUDED.retained_until;
  INSERT INTO expunge_blob_holds (blob_key, held_until)
  SELECT m.blob_key, now() + make_interval(secs => p_retain_secs)
  FROM messages m WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(v_uids);
  WITH gone AS (
    DELETE FROM messages m WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(v_uids)
    RETURNING m.uid, m.size, '\\Seen' = ANY(m.flags) AS seen)
  SELECT count(*)::int, coalesce(sum(size), 0)::bigint, (count(*) FILTER (WHERE NOT seen))::int,
         coalesce(array_agg(uid ORDER BY uid), '{}')
    INTO v_count, v_bytes, v_unseen, v_uids FROM gone;
  UPDATE mailboxes SET message_count = message_count - v_count, unseen_count = unseen_count - v_unseen
    WHERE id = p_mailbox;
  UPDATE accounts SET used_bytes = GREATEST(0, used_bytes - v_bytes) WHERE id = p_account;
  RETURN QUERY SELECT u, v_modseq FROM unnest(v_uids) u;
END;
$$ LANGUAGE plpgsql;
`,
  },
  {
    version: 74,
    name: 'IMAP APPEND in one statement',
    // ImapAppender.append (imap-append.ts) in one call, with the same lock order (the account's
    // quota row, then the mailbox row). p_items: [{"key", "size", "flags": [...], "date" | null,
    // "structure"}]. Over quota: one row with NULL uid and nothing written.
    sql: `
CREATE FUNCTION imap_append(p_account BIGINT, p_mailbox BIGINT, p_items JSONB)
RETURNS TABLE (out_uidvalidity BIGINT, out_uid BIGINT, out_modseq BIGINT) AS $$
DECLARE
  v_quota BIGINT;
  v_used BIGINT;
  v_total BIGINT;
  v_n INT;
  v_unseen INT;
  v_validity BIGINT;
  v_first BIGINT;
  v_base BIGINT;
BEGIN
  SELECT quota_bytes, used_bytes INTO v_quota, v_used FROM accounts WHERE id = p_account FOR UPDATE;
  SELECT count(*)::int, coalesce(sum((x->>'size')::bigint), 0)::bigint,
         (count(*) FILTER (WHERE NOT (x->'flags' ? '\\Seen')))::int
    INTO v_n, v_total, v_unseen FROM jsonb_array_elements(p_items) x;
  IF v_quota IS NOT NULL AND v_used + v_total > v_quota THEN
    RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  UPDATE mailboxes SET uidnext = uidnext + v_n, highestmodseq = highestmodseq + v_n,
                       message_count = message_count + v_n, unseen_count = unseen_count + v_unseen
    WHERE id = p_mailbox AND account_id = p_account
    RETURNING uidvalidity, uidnext - v_n, highestmodseq - v_n INTO v_validity, v_first, v_base;
  IF NOT FOUND THEN RAISE EXCEPTION 'mailbox vanished'; END IF;
  INSERT INTO blobs (key, size, refcount)
  SELECT x->>'key', max((x->>'size')::bigint), count(*)::int FROM jsonb_array_elements(p_items) x
  GROUP BY x->>'key'
  ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + EXCLUDED.refcount, updated_at = now();
  INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix, structure)
  SELECT p_mailbox, v_first + n - 1, v_base + n, ARRAY(SELECT jsonb_array_elements_text(x->'flags')),
         coalesce((x->>'date')::timestamptz, now()), (x->>'size')::bigint, x->>'key', ''::bytea, x->'structure'
  FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(x, n);
  UPDATE accounts SET used_bytes = used_bytes + v_total WHERE id = p_account;
  RETURN QUERY SELECT v_validity, v_first + n - 1, v_base + v_n FROM generate_series(1, v_n) n;
END;
$$ LANGUAGE plpgsql;
`,
  },
  {
    version: 75,
    name: 'IMAP APPEND claims \\Recent for the appending session',
    // Version 74 plus p_claim_recent: the appending session has the mailbox selected read-write
    // under IMAP4rev1, so the new messages are \Recent in it (RFC 3501 §2.3.2) when every earlier
    // one has been claimed already; out_claimed says whether they were, sparing a second statement.
    sql: `
DROP FUNCTION imap_append(BIGINT, BIGINT, JSONB);
CREATE FUNCTION imap_append(p_account BIGINT, p_mailbox BIGINT, p_items JSONB, p_claim_recent BOOLEAN)
RETURNS TABLE (out_uidvalidity BIGINT, out_uid BIGINT, out_modseq BIGINT, out_claimed BOOLEAN) AS $$
DECLARE
  v_quota BIGINT;
  v_used BIGINT;
  v_total BIGINT;
  v_n INT;
  v_unseen INT;
  v_validity BIGINT;
  v_first BIGINT;
  v_base BIGINT;
  v_claimed BOOLEAN;
BEGIN
  SELECT quota_bytes, used_bytes INTO v_quota, v_used FROM accounts WHERE id = p_account FOR UPDATE;
  SELECT count(*)::int, coalesce(sum((x->>'size')::bigint), 0)::bigint,
         (count(*) FILTER (WHERE NOT (x->'flags' ? '\\Seen')))::int
    INTO v_n, v_total, v_unseen FROM jsonb_array_elements(p_items) x;
  IF v_quota IS NOT NULL AND v_used + v_total > v_quota THEN
    RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, false;
    RETURN;
  END IF;
  UPDATE mailboxes SET uidnext = uidnext + v_n, highestmodseq = highestmodseq + v_n,
                       message_count = message_count + v_n, unseen_count = unseen_count + v_unseen,
                       recent_uid = CASE WHEN p_claim_recent AND recent_uid = uidnext
                                         THEN uidnext + v_n ELSE recent_uid END
    WHERE id = p_mailbox AND account_id = p_account
    RETURNING uidvalidity, uidnext - v_n, highestmodseq - v_n, recent_uid = uidnext
      INTO v_validity, v_first, v_base, v_claimed;
  IF NOT FOUND THEN RAISE EXCEPTION 'mailbox vanished'; END IF;
  INSERT INTO blobs (key, size, refcount)
  SELECT x->>'key', max((x->>'size')::bigint), count(*)::int FROM jsonb_array_elements(p_items) x
  GROUP BY x->>'key'
  ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + EXCLUDED.refcount, updated_at = now();
  INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix, structure)
  SELECT p_mailbox, v_first + n - 1, v_base + n, ARRAY(SELECT jsonb_array_elements_text(x->'flags')),
         coalesce((x->>'date')::timestamptz, now()), (x->>'size')::bigint, x->>'key', ''::bytea, x->'structure'
  FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(x, n);
  UPDATE accounts SET used_bytes = used_bytes + v_total WHERE id = p_account;
  RETURN QUERY SELECT v_validity, v_first + n - 1, v_base + v_n, p_claim_recent AND v_claimed
    FROM generate_series(1, v_n) n;
END;
$$ LANGUAGE plpgsql;
`,
  },
  {
    version: 107,
    name: 'EXPUNGE locks the account row before the mailbox row, in the order APPEND and delivery use',
    // Version 73 locked the mailbox, then updated the account's used_bytes; imap_append and
    // deliver_batch lock the account, then the mailbox. An EXPUNGE and an APPEND in the same
    // account at once could deadlock (PostgreSQL aborts one: the bench's "APPEND failed").
    sql: `
CREATE OR REPLACE FUNCTION imap_expunge(p_account BIGINT, p_mailbox BIGINT, p_within BIGINT[], p_retain_secs INT)
RETURNS TABLE (out_uid BIGINT, out_modseq BIGINT) AS $$
DECLARE
  v_uids BIGINT[];
  v_modseq BIGINT;
  v_count INT;
  v_bytes BIGINT;
  v_unseen INT;
BEGIN
  -- The account row first, like APPEND, delivery and COPY: one lock order, no deadlock.
  PERFORM 1 FROM accounts WHERE id = p_account FOR UPDATE;
  PERFORM 1 FROM mailboxes WHERE id = p_mailbox AND account_id = p_account FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  v_uids := ARRAY(SELECT m.uid FROM messages m WHERE m.mailbox_id = p_mailbox AND '\\Deleted' = ANY(m.flags)
                    AND (p_within IS NULL OR m.uid = ANY(p_within)) ORDER BY m.uid);
  IF cardinality(v_uids) = 0 THEN RETURN; END IF;
  UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = p_mailbox
    RETURNING highestmodseq INTO v_modseq;
  INSERT INTO expunged_messages
    (mailbox_id, uid, modseq, flags, last_modseq, internal_date, size, blob_key, header_prefix, structure,
     retained_until)
  SELECT m.mailbox_id, m.uid, v_modseq, m.flags, m.modseq, m.internal_date, m.size, m.blob_key,
         m.header_prefix, m.structure, now() + make_interval(secs => p_retain_secs)
  FROM messages m WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(v_uids)
  ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq, flags = EXCLUDED.flags,
    last_modseq = EXCLUDED.last_modseq, internal_date = EXCLUDED.internal_date, size = EXCLUDED.size,
    blob_key = EXCLUDED.blob_key, header_prefix = EXCLUDED.header_prefix, structure = EXCLUDED.structure,
    retained_until = EXCLUDED.retained_until;
  INSERT INTO expunge_blob_holds (blob_key, held_until)
  SELECT m.blob_key, now() + make_interval(secs => p_retain_secs)
  FROM messages m WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(v_uids);
  WITH gone AS (
    DELETE FROM messages m WHERE m.mailbox_id = p_mailbox AND m.uid = ANY(v_uids)
    RETURNING m.uid, m.size, '\\Seen' = ANY(m.flags) AS seen)
  SELECT count(*)::int, coalesce(sum(size), 0)::bigint, (count(*) FILTER (WHERE NOT seen))::int,
         coalesce(array_agg(uid ORDER BY uid), '{}')
    INTO v_count, v_bytes, v_unseen, v_uids FROM gone;
  UPDATE mailboxes SET message_count = message_count - v_count, unseen_count = unseen_count - v_unseen
    WHERE id = p_mailbox;
  UPDATE accounts SET used_bytes = GREATEST(0, used_bytes - v_bytes) WHERE id = p_account;
  RETURN QUERY SELECT u, v_modseq FROM unnest(v_uids) u;
END;
$$ LANGUAGE plpgsql;
`,
  },
];
