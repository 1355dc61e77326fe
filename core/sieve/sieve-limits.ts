/** Limits on stored Sieve scripts and on one run at delivery (containers/node/config-sieve.ts). */
export interface SieveLimits {
  maxScriptBytes: number;
  maxScripts: number;
  maxRedirects: number;
  maxSteps: number;
}

export const DEFAULT_SIEVE_LIMITS: SieveLimits = {
  maxScriptBytes: 64 * 1024,
  maxScripts: 20,
  maxRedirects: 4,
  maxSteps: 10_000,
};
