/** Digests (issue #17): what the delivery worker and the posting pipeline call. */
export { addToDigest } from './collect';
export { handleDigestJob, runDigestTask } from './digest-task';
export { DigestNotDueError, digestJobId, scheduleDigest } from './schedule';
export { setDigestFormat, setDigestThresholds, type DigestFormat } from './digest-lists';
export { nextPeriod, parsePeriod, periodEnd, periodOf, formatPeriod, type DigestPeriod } from './period';
