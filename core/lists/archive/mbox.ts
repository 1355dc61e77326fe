/**
 * mbox export in the mboxrd form: each message after a `From <sender> <asctime>` line, LF line
 * ends, and every body line matching /^>*From / quoted with one more '>' (so a reader that strips
 * one level gets the message back exactly). Exported in pages by id: memory stays bounded.
 */
import type { BlobStore } from '../../ports/blob-store';
import type { SqlExecutor } from '../../ports/sql';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime(3) in UTC: "Thu Dec  3 20:08:12 2026". */
export function asctime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The envelope sender of the From_ line: no spaces allowed there. */
function fromLineSender(sender: string): string {
  const clean = sender.replace(/[\s]/g, '');
  return clean || 'MAILER-DAEMON';
}

export function mboxrdEntry(message: Buffer, sender: string, date: Date): Buffer {
  const text = message.toString('latin1').replace(/\r\n/g, '\n');
  const quoted = text.replace(/^(>*From )/gm, '>$1');
  const body = quoted.endsWith('\n') ? quoted : quoted + '\n';
  return Buffer.from(`From ${fromLineSender(sender)} ${asctime(date)}\n${body}\n`, 'latin1');
}

/** Splits an mboxrd file back into messages (CRLF restored), unquoting one '>' level. */
export function parseMboxrd(data: Buffer): Buffer[] {
  const text = data.toString('latin1');
  const out: Buffer[] = [];
  const starts: number[] = [];
  const re = /^From [^\n]*\n/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index);
  starts.forEach((start, i) => {
    const chunk = text.slice(text.indexOf('\n', start) + 1, starts[i + 1] ?? text.length);
    const message = chunk.replace(/\n$/, '').replace(/^>(>*From )/gm, '$1');
    out.push(Buffer.from(message.replace(/\n/g, '\r\n'), 'latin1'));
  });
  return out;
}

export const MBOX_LIMITS = { maxBytes: 64 * 1024 * 1024, batch: 200 };

/**
 * One page of a list's archive as mboxrd, oldest first, after archive row `after` ('0': from the
 * start), up to about `maxBytes`; `next` is where the following page starts (null: the end).
 */
export async function exportMboxPage(
  db: SqlExecutor,
  blobs: BlobStore,
  listId: string,
  options: { after?: string; maxBytes?: number } = {},
): Promise<{ data: Buffer; count: number; next: string | null }> {
  const maxBytes = options.maxBytes ?? MBOX_LIMITS.maxBytes;
  let after = /^[0-9]{1,18}$/.test(options.after ?? '') ? options.after! : '0';
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (;;) {
    const rows = await db.query<{ id: string; blob_key: string; from_text: string; archived_at: Date }>(
      `SELECT id, blob_key, from_text, archived_at FROM list_archive WHERE list_id = $1::bigint AND id > $2::bigint
       ORDER BY id LIMIT ${MBOX_LIMITS.batch}`,
      [listId, after],
    );
    for (const row of rows.rows) {
      if (bytes > 0 && bytes >= maxBytes)
        return { data: Buffer.concat(chunks), count: chunks.length, next: after };
      const sender =
        /<([^<>\s]+@[^<>\s]+)>/.exec(row.from_text)?.[1] ?? /\S+@\S+/.exec(row.from_text)?.[0] ?? '';
      const entry = mboxrdEntry(await blobs.get(row.blob_key), sender, new Date(row.archived_at));
      chunks.push(entry);
      bytes += entry.length;
      after = String(row.id);
    }
    if (rows.rows.length < MBOX_LIMITS.batch)
      return { data: Buffer.concat(chunks), count: chunks.length, next: null };
  }
}
