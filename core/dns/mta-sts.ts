/**
 * The MTA-STS policy we publish (RFC 8461): one policy for every hosted domain, naming the
 * cluster's mail host. Served by the web role at https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 * (functions/autoconfig/routes.ts); its id in the `_mta-sts` TXT record is a digest of the text,
 * so the id changes exactly when the policy does.
 */
import { createHash } from 'node:crypto';

export type MtaStsMode = 'testing' | 'enforce' | 'none';
export const MTA_STS_MODES: readonly MtaStsMode[] = ['testing', 'enforce', 'none'];

/** One week: RFC 8461 §3.2 suggests weeks; senders refetch when the TXT id changes. */
export const MTA_STS_MAX_AGE = 604800;

export function parseMtaStsMode(value: string | undefined): MtaStsMode {
  const mode = (value ?? 'testing').trim().toLowerCase();
  if (!(MTA_STS_MODES as readonly string[]).includes(mode))
    throw new Error(`MTA-STS mode "${value}" must be one of ${MTA_STS_MODES.join(', ')}`);
  return mode as MtaStsMode;
}

export function mtaStsPolicy(input: { mode: MtaStsMode; mx: string[]; maxAgeSeconds?: number }): string {
  const lines = ['version: STSv1', `mode: ${input.mode}`, ...input.mx.map((mx) => `mx: ${mx}`)];
  lines.push(`max_age: ${input.maxAgeSeconds ?? MTA_STS_MAX_AGE}`);
  return lines.map((line) => `${line}\r\n`).join('');
}

/** 1–32 alphanumerics (RFC 8461 §3.1). */
export function mtaStsPolicyId(policy: string): string {
  return createHash('sha256').update(policy).digest('hex').slice(0, 20);
}
