import { extractSearchText, type MessageStructure } from '../mime';
import { toBuffer } from '../store/search/search-engine';
import type { JmapAccount, JmapDeps } from './context';

/** Fills the decoded search text of the account's messages that have none yet (once per message). */
export async function fillSearchText(deps: JmapDeps, account: JmapAccount): Promise<void> {
  for (;;) {
    const missing = await deps.db.query<{
      id: string;
      blob_key: string;
      header_prefix: unknown;
      structure: unknown;
    }>(
      `SELECT m.id, m.blob_key, m.header_prefix, m.structure FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
       LEFT JOIN message_search s ON s.message_id = m.id WHERE b.account_id = $1 AND s.message_id IS NULL LIMIT 200`,
      [account.id],
    );
    if (missing.rows.length === 0) return;
    for (const row of missing.rows) {
      let text = { headers: '', body: '' };
      try {
        const structure = (
          typeof row.structure === 'string' ? JSON.parse(row.structure) : row.structure
        ) as MessageStructure;
        text = extractSearchText(
          Buffer.concat([toBuffer(row.header_prefix), await deps.blobs.get(row.blob_key)]),
          structure,
        );
      } catch {
        // unreadable: not text-searchable
      }
      await deps.db.query(
        `INSERT INTO message_search (message_id, headers, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [row.id, text.headers.replace(/\u0000/g, ''), text.body.replace(/\u0000/g, '')],
      );
    }
  }
}
