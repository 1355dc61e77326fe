/**
 * URLAUTH (RFC 4467) mailbox access keys and the INTERNAL mechanism: a token is the hex
 * HMAC-SHA256 of the URL rump (the URL up to ";URLAUTH=<access>", as given) under the key of
 * the URL's mailbox. Keys are 256 random bits from crypto.randomBytes, created on first use,
 * kept in the database (urlauth_keys), compared in constant time, and never logged or returned.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlExecutor } from '../ports/sql';

export const URLAUTH_MECHANISMS = ['INTERNAL'] as const;

const KEY_BYTES = 32;

export class UrlauthKeys {
  constructor(private readonly db: SqlExecutor) {}

  /** The mailbox's key, created when it has none (concurrent creators agree on one). */
  private async keyFor(accountId: number, mailboxId: number): Promise<Buffer> {
    const existing = await this.existing(mailboxId);
    if (existing) return existing;
    await this.db.query(
      `INSERT INTO urlauth_keys (mailbox_id, account_id, access_key)
       SELECT id, account_id, $3 FROM mailboxes WHERE id = $1 AND account_id = $2
       ON CONFLICT (mailbox_id) DO NOTHING`,
      [mailboxId, accountId, randomBytes(KEY_BYTES)],
    );
    const created = await this.existing(mailboxId);
    if (!created) throw new Error('mailbox vanished');
    return created;
  }

  private async existing(mailboxId: number): Promise<Buffer | null> {
    const result = await this.db.query<{ access_key: Buffer | Uint8Array }>(
      `SELECT access_key FROM urlauth_keys WHERE mailbox_id = $1`,
      [mailboxId],
    );
    const key = result.rows[0]?.access_key;
    return key ? Buffer.from(key) : null;
  }

  /** GENURLAUTH: the token for `rump` (lower-case hex). */
  async sign(accountId: number, mailboxId: number, rump: string): Promise<string> {
    const key = await this.keyFor(accountId, mailboxId);
    return hmac(key, rump);
  }

  /** URLFETCH / BURL: true when `token` was made by sign() for this rump with the current key. */
  async verify(mailboxId: number, rump: string, token: string): Promise<boolean> {
    const key = await this.existing(mailboxId);
    if (!key) return false;
    const expected = Buffer.from(hmac(key, rump), 'latin1');
    const given = Buffer.from(token.toLowerCase(), 'latin1');
    // timingSafeEqual needs equal lengths; the length of a token is no secret.
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** RESETKEY: drops the keys of one mailbox, or all of the account's; new ones come on demand. */
  async reset(accountId: number, mailboxId?: number): Promise<void> {
    if (mailboxId === undefined) {
      await this.db.query(`DELETE FROM urlauth_keys WHERE account_id = $1`, [accountId]);
    } else {
      await this.db.query(`DELETE FROM urlauth_keys WHERE account_id = $1 AND mailbox_id = $2`, [
        accountId,
        mailboxId,
      ]);
    }
  }
}

function hmac(key: Buffer, rump: string): string {
  return createHmac('sha256', key).update(rump, 'utf8').digest('hex');
}
