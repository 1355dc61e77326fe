/**
 * The `lists` section of the node configuration (docs/lists.md "Configuration"): limits and
 * defaults of the mailing lists, turned into core/lists ListSettings by listSettings(). The token
 * secret is derived from the node's secret key (the one that seals DKIM keys), so every node of
 * a cluster signs and checks the same confirmation and unsubscribe links.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { ListSettings } from '../../core/lists/deps';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const listsConfigSchema = z
  .object({
    /** Base URL of the web role in links (default: NIMBUS_WEB_BASE, else http://127.0.0.1:<http port>). */
    webBase: z.string().url().optional(),
    /** Members fetched per page during fan-out. */
    fanoutPageSize: int(10, 100_000).default(1000),
    /** Largest post accepted (a list may set a smaller one). */
    maxPostBytes: int(1024, 1024 ** 3).default(10 * 1024 * 1024),
    /** Bounce score at which a member's delivery is disabled. */
    bounceScoreThreshold: z.coerce.number().min(1).max(1000).default(5),
    /** Days after which a bounce score is forgotten. */
    bounceStaleDays: int(1, 365).default(7),
  })
  .default({});

export type ListsConfig = z.infer<typeof listsConfigSchema>;

/** The ListSettings of this node: `secretKey` is loadSecretKey(config.secretKey, dataDir). */
export function listSettings(
  config: ListsConfig,
  options: { secretKey: Buffer; webBase: string | null; httpPort: number },
): ListSettings {
  return {
    webBase: (config.webBase ?? options.webBase ?? `http://127.0.0.1:${options.httpPort}`).replace(
      /\/+$/,
      '',
    ),
    // A key of its own (not the sealing key itself): HMAC(secret key, purpose).
    tokenSecret: createHmac('sha256', options.secretKey).update('nimbus-mail lists tokens v1').digest(),
    fanoutPageSize: config.fanoutPageSize,
    maxPostBytes: config.maxPostBytes,
    bounceScoreThreshold: config.bounceScoreThreshold,
    bounceStaleDays: config.bounceStaleDays,
  };
}
