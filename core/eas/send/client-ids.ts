/**
 * ClientIds a device has sent messages under (MS-ASCMD §2.2.3.28.1): a device that lost the
 * response to SendMail/SmartReply/SmartForward repeats the request with the same ClientId, and
 * the server answers Status 118 instead of sending the message twice. Kept per device row in SQL
 * (table eas_sent_messages), so any web node sees them; old entries are pruned.
 */
import type { SqlExecutor } from '../../ports/sql';

/** How long a ClientId is remembered (devices retry within minutes). */
export const CLIENT_ID_RETENTION_DAYS = 30;

/** Claims `clientId` for the device: false when it was already used (the message was sent). */
export async function claimClientId(
  db: SqlExecutor,
  deviceRowId: number,
  clientId: string,
): Promise<boolean> {
  const claimed = await db.query(
    `INSERT INTO eas_sent_messages (device_row_id, client_id) VALUES ($1, $2)
     ON CONFLICT (device_row_id, client_id) DO NOTHING RETURNING client_id`,
    [deviceRowId, clientId],
  );
  return claimed.rows.length > 0;
}

/** Gives a claim back when the message was not sent after all, so the device may retry. */
export async function releaseClientId(db: SqlExecutor, deviceRowId: number, clientId: string): Promise<void> {
  await db.query(`DELETE FROM eas_sent_messages WHERE device_row_id = $1 AND client_id = $2`, [
    deviceRowId,
    clientId,
  ]);
}

/** Forgets a device's ClientIds older than the retention. */
export async function pruneClientIds(db: SqlExecutor, deviceRowId: number): Promise<void> {
  await db.query(
    `DELETE FROM eas_sent_messages WHERE device_row_id = $1
     AND sent_at < now() - ($2::int * interval '1 day')`,
    [deviceRowId, CLIENT_ID_RETENTION_DAYS],
  );
}
