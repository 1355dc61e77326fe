/** The Sieve engine (RFC 5228 and extensions): compile a script, run it against a message. */
export { compileSieve } from './compile';
export { runSieve } from './interpreter';
export { sieveString } from './quote';
export { SIEVE_EXTENSIONS } from './registry';
export type {
  SieveAction,
  SieveCompileResult,
  SieveEnvironment,
  SieveError,
  SieveLimits,
  SieveResult,
  SieveScript,
} from './types';
