/**
 * The `outbound` section of the node configuration (docs/outbound.md): the default rate limits per
 * scope (overridden per user, domain or IP in SQL with `nimbus limits set`) and the thresholds of
 * the compromise signals. Defaults: core/outbound/limits.ts and core/outbound/signals.ts.
 */
import { z } from 'zod';
import { DEFAULT_OUTBOUND_LIMITS as L, type RateLimits } from '../../core/outbound/limits';
import { DEFAULT_SIGNALS as S } from '../../core/outbound/signals';
import { DEFAULT_AUTOMATIC_LIMITS as A } from '../../core/outbound/automatic-limits';

const count = z.coerce.number().int().min(0).max(100_000_000);
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => (typeof value === 'boolean' ? value : ['true', '1', 'yes'].includes(value)));

const limits = (d: RateLimits) =>
  z
    .object({
      messagesPerHour: count.default(d.messagesPerHour),
      messagesPerDay: count.default(d.messagesPerDay),
      recipientsPerHour: count.default(d.recipientsPerHour),
      recipientsPerDay: count.default(d.recipientsPerDay),
    })
    .default({});

export const outboundConfigSchema = z
  .object({
    /** Off: submission is neither counted nor held (not for production). */
    enabled: bool.default(true),
    limits: z.object({ user: limits(L.user), domain: limits(L.domain), ip: limits(L.ip) }).default({}),
    signals: z
      .object({
        burstRecipients: count.default(S.burstRecipients),
        loginNetworksPerHour: count.default(S.loginNetworksPerHour),
        quietDays: count.default(S.quietDays),
        quietBurstMessages: count.default(S.quietBurstMessages),
        rejectsPerHour: count.default(S.rejectsPerHour),
      })
      .default({}),
    /** Mail sent on a user's behalf (not counted against their limits), per hour; 0: no limit. */
    automatic: z
      .object({
        forwardsPerHour: count.default(A.forwardsPerHour),
        autoRepliesPerHour: count.default(A.autoRepliesPerHour),
        dsnsPerHour: count.default(A.dsnsPerHour),
      })
      .default({}),
  })
  .default({});

export type OutboundConfig = z.infer<typeof outboundConfigSchema>;
