/**
 * ical.js, loaded once for the whole project. The package is ESM with a CommonJS build
 * (dist/ical.es5.cjs, picked by its "require" export condition); our sources compile to CommonJS,
 * so we require() it at run time and take its types from the ESM declarations.
 */
import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };
import { installRecurrenceGuard } from './recurrence-steps';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: CJS build of an ESM package
const ICAL: typeof ICALModule = require('ical.js');
// Every recurrence walk in the process is step-bounded (issue #16), whoever drives the iterator.
installRecurrenceGuard(ICAL);

export default ICAL;
export type IcalComponent = InstanceType<typeof ICAL.Component>;
export type IcalProperty = InstanceType<typeof ICAL.Property>;
export type IcalTime = InstanceType<typeof ICAL.Time>;
export type IcalDuration = InstanceType<typeof ICAL.Duration>;
export type IcalPeriod = InstanceType<typeof ICAL.Period>;
export type IcalTimezone = InstanceType<typeof ICAL.Timezone>;
