/**
 * Migrations for per-message IMAP data (SAVEDATE, PREVIEW, OBJECTID, expunge retention): versions 60-63. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapMessagesMigrations: Migration[] = [
  {
    version: 60,
    name: 'SAVEDATE (RFC 8514): messages.created_at is the save date; moving a row to another mailbox renews it',
    // COPY and IMAP MOVE insert new rows (created_at defaults to now()); JMAP moves a row in place
    // (keeping its id), so the save date has to follow the mailbox change here.
    sql: `
CREATE FUNCTION messages_save_date() RETURNS trigger AS $$
BEGIN
  IF NEW.mailbox_id IS DISTINCT FROM OLD.mailbox_id THEN
    NEW.created_at := now();
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER messages_save_date BEFORE UPDATE OF mailbox_id ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_save_date();
`,
  },
  {
    version: 61,
    name: 'PREVIEW (RFC 8970) column; index of the messages with binary parts (RFC 3516)',
    // preview NULL: not computed yet (FETCH PREVIEW (LAZY) answers NIL); '' means there is no text.
    // The partial index finds the few messages IMAP serves re-encoded (STATUS SIZE adds their growth).
    sql: `
ALTER TABLE messages ADD COLUMN preview TEXT;
CREATE INDEX messages_converted_idx ON messages(mailbox_id) WHERE structure ? 'converted';
`,
  },
  {
    version: 62,
    name: 'expunge retention: an expunged message stays readable (row data in expunged_messages, a blob hold) for sessions not yet told',
    // The hold is one blob reference per expunged row, released by maintenance once held_until
    // passes. No foreign key: deleting the mailbox (or account) must not drop the reference.
    sql: `
ALTER TABLE expunged_messages ADD COLUMN flags TEXT[];
ALTER TABLE expunged_messages ADD COLUMN last_modseq BIGINT;
ALTER TABLE expunged_messages ADD COLUMN internal_date TIMESTAMPTZ;
ALTER TABLE expunged_messages ADD COLUMN size BIGINT;
ALTER TABLE expunged_messages ADD COLUMN blob_key TEXT;
ALTER TABLE expunged_messages ADD COLUMN header_prefix BYTEA;
ALTER TABLE expunged_messages ADD COLUMN structure JSONB;
ALTER TABLE expunged_messages ADD COLUMN retained_until TIMESTAMPTZ;
CREATE INDEX expunged_messages_retained_idx ON expunged_messages(retained_until) WHERE retained_until IS NOT NULL;
CREATE TABLE expunge_blob_holds (
  id BIGSERIAL PRIMARY KEY,
  blob_key TEXT NOT NULL,
  held_until TIMESTAMPTZ NOT NULL
);
CREATE INDEX expunge_blob_holds_until_idx ON expunge_blob_holds(held_until);
`,
  },
];
