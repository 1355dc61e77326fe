/**
 * The post-deploy smoke test's model (`nimbus smoke`): its fixed list of checks, how targets are
 * written (HOST[:PORT]) and the pass/fail table it prints. Pure; the network part is
 * containers/smoke/smoke-run.ts.
 */

export const SMOKE_CHECKS = [
  'connect',
  'tls',
  'auth',
  'submit',
  'delivered',
  'read-back',
  'cleanup',
] as const;
export type SmokeCheck = (typeof SMOKE_CHECKS)[number];

export type SmokeStatus = 'pass' | 'fail' | 'skip';

export interface SmokeResult {
  check: SmokeCheck;
  status: SmokeStatus;
  detail: string;
}

export type TlsMode = 'implicit' | 'starttls';

export interface Target {
  host: string;
  port: number;
}

/** Default ports per TLS mode: submissions 465 / IMAPS 993, or submission 587 / IMAP 143. */
export const DEFAULT_PORTS: Record<TlsMode, { smtp: number; imap: number }> = {
  implicit: { smtp: 465, imap: 993 },
  starttls: { smtp: 587, imap: 143 },
};

/** HOST, HOST:PORT, [IPv6] or [IPv6]:PORT. */
export function parseTarget(text: string, defaultPort: number): Target {
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(text);
  const plain = /^([a-z0-9.-]+)(?::(\d+))?$/i.exec(text);
  const match = bracketed ?? plain;
  if (!match) throw new Error(`"${text}" is not HOST[:PORT]`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`"${text}": port must be 1..65535`);
  return { host: match[1], port };
}

export function smokePassed(results: SmokeResult[]): boolean {
  return results.length === SMOKE_CHECKS.length && results.every((r) => r.status === 'pass');
}

/** Every check in order; those never reached are "skip". */
export function completeResults(results: SmokeResult[]): SmokeResult[] {
  return SMOKE_CHECKS.map(
    (check) =>
      results.find((r) => r.check === check) ?? {
        check,
        status: 'skip',
        detail: 'not run (an earlier check failed)',
      },
  );
}

export function formatSmokeTable(results: SmokeResult[]): string {
  const width = Math.max(...SMOKE_CHECKS.map((c) => c.length), 'check'.length);
  const lines = [`${'check'.padEnd(width)}  result  detail`];
  for (const r of results)
    lines.push(`${r.check.padEnd(width)}  ${r.status.toUpperCase().padEnd(6)}  ${r.detail}`);
  lines.push(smokePassed(results) ? 'smoke test passed' : 'smoke test FAILED');
  return lines.join('\n') + '\n';
}
