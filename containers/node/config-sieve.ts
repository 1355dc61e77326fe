/**
 * The `sieve` section of the node configuration (docs/sieve.md "Configuration"): the limits on
 * stored scripts and on one run at delivery. The defaults are core/sieve/sieve-limits.ts
 * DEFAULT_SIEVE_LIMITS; the delivery role builds its SieveDelivery with them.
 */
import { z } from 'zod';
import { DEFAULT_SIEVE_LIMITS as D } from '../../core/sieve/sieve-limits';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const sieveConfigSchema = z
  .object({
    /** Bytes of one script (ManageSieve PUTSCRIPT answers QUOTA/MAXSIZE above it). */
    maxScriptBytes: int(1024, 16 * 1024 * 1024).default(D.maxScriptBytes),
    /** Scripts one account may store. */
    maxScripts: int(1, 10_000).default(D.maxScripts),
    /** redirect actions one message may cause (more are skipped, the user is told). */
    maxRedirects: int(0, 100).default(D.maxRedirects),
    /** Commands and tests one run may evaluate; beyond it the message is kept in INBOX. */
    maxSteps: int(100, 10_000_000).default(D.maxSteps),
  })
  .default({});

export type SieveConfig = z.infer<typeof sieveConfigSchema>;
