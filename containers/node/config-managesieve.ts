/**
 * The `managesieve` section of the node configuration (docs/sieve.md "ManageSieve"): the RFC 5804
 * listener's TLS rule, timeouts, connection limits and input bounds. The script limits
 * (size, count, MAXREDIRECTS) are the `sieve` section's; the defaults here are
 * containers/managesieve/types.ts DEFAULT_MANAGESIEVE_OPTIONS.
 */
import { z } from 'zod';
import { DEFAULT_MANAGESIEVE_OPTIONS as D } from '../managesieve/types';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => (typeof value === 'boolean' ? value : ['true', '1', 'yes'].includes(value)));

export const managesieveConfigSchema = z
  .object({
    /** AUTHENTICATE without STARTTLS first (dev only), like pop3/imap.allowInsecureAuth. */
    allowInsecureAuth: flag.default(D.allowInsecureAuth),
    idleTimeoutMs: int(1000, 24 * 3600_000).default(D.idleTimeoutMs),
    unauthenticatedTimeoutMs: int(1000, 3600_000).default(D.unauthenticatedTimeoutMs),
    maxConnections: int(1, 1_000_000).default(D.maxConnections),
    maxConnectionsPerIp: int(1, 1_000_000).default(D.maxConnectionsPerIp),
    /** Bytes of a command line outside its literals. */
    maxLineLength: int(256, 1024 * 1024).default(D.maxLineLength),
    /** Bytes of a command's literals (a PUTSCRIPT upload); above it NO (QUOTA/MAXSIZE), unread. */
    maxLiteralSize: int(1024, 64 * 1024 * 1024).default(D.maxLiteralSize),
    maxErrors: int(1, 1000).default(D.maxErrors),
  })
  .default({});

export type ManageSieveConfig = z.infer<typeof managesieveConfigSchema>;
