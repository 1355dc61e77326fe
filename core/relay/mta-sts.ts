/**
 * MTA-STS (RFC 8461) policy parsing and evaluation. Fetching (TXT _mta-sts.<domain> and the HTTPS
 * policy file) is done by the relay adapter; this module only decides.
 */
export interface MtaStsPolicy {
  version: string;
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAge: number;
}

/** Parses the policy file (key: value lines, CRLF or LF). Returns null when it is invalid. */
export function parseMtaStsPolicy(text: string): MtaStsPolicy | null {
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z0-9_]+)\s*:\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const key = match[1].toLowerCase();
    fields.set(key, [...(fields.get(key) ?? []), match[2]]);
  }
  const version = fields.get('version')?.[0];
  const mode = fields.get('mode')?.[0]?.toLowerCase();
  const maxAge = Number(fields.get('max_age')?.[0]);
  if (version !== 'STSv1' || !mode || !['enforce', 'testing', 'none'].includes(mode)) return null;
  if (!Number.isInteger(maxAge) || maxAge < 0) return null;
  const mx = (fields.get('mx') ?? []).map((m) => m.toLowerCase());
  if (mode !== 'none' && mx.length === 0) return null;
  return { version, mode: mode as MtaStsPolicy['mode'], mx, maxAge: Math.min(maxAge, 31557600) };
}

/** Parses the `_mta-sts` TXT record ("v=STSv1; id=…"); returns its id or null. */
export function parseMtaStsRecord(records: string[]): string | null {
  const candidates = records.filter((r) => /^v=STSv1\s*(;|$)/.test(r.trim()));
  if (candidates.length !== 1) return null;
  return /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(;|$)/.exec(candidates[0])?.[1] ?? null;
}

/** RFC 8461 §4.1: an mx pattern matches the host exactly or, as "*.example.com", one left label. */
export function mxMatches(policy: MtaStsPolicy, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return policy.mx.some((pattern) => {
    if (pattern.startsWith('*.')) {
      const rest = pattern.slice(1);
      return name.endsWith(rest) && !name.slice(0, -rest.length).includes('.') && name.length > rest.length;
    }
    return pattern === name;
  });
}

/**
 * What a policy means for the MX hosts found in DNS: in enforce mode only matching hosts are
 * used and TLS with a valid certificate is required; testing/none change nothing (report only).
 */
export function applyMtaSts<T extends { host: string }>(
  policy: MtaStsPolicy | null,
  targets: T[],
): { targets: T[]; requireVerifiedTls: boolean } {
  if (!policy || policy.mode !== 'enforce') return { targets, requireVerifiedTls: false };
  return { targets: targets.filter((t) => mxMatches(policy, t.host)), requireVerifiedTls: true };
}
