/**
 * The reviewed allowlist of the differential test against Dovecot: every difference between
 * Nimbus and Dovecot 2.3 that the suite accepts, with the reason. `nimbus-gap` entries are
 * Nimbus bugs or missing features nobody has fixed yet — the remaining work; delete an entry
 * when the difference is gone (the suite lists entries that no longer match anything).
 */
import type { KnownDifference } from '../../helpers/imap-diff/diff';

export const KNOWN_DIFFERENCES: KnownDifference[] = [];
