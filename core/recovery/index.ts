export * from './types';
export { DEFAULT_POLICY, actionKey, currentSignals, decide, describe } from './decide';
