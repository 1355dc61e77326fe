/** The JMAP Session resource (RFC 8620 §2). */
import { createHash } from 'node:crypto';
import { DEFAULT_LIMITS, type JmapAccount } from './context';
import { MAX_FORWARD_TARGETS } from '../directory/account-forwarding';
import { CAPABILITIES } from './dispatcher';
import { accountIdOf } from './ids';
import { sieveAccountCapability } from './sieve';
import type { SieveLimits } from '../sieve/script-store';

export interface SessionUrls {
  /** Absolute base, e.g. https://mail.example.com (no trailing slash). */
  base: string;
  /** Whether EventSource push is served (the node's web role: yes; Lambda: no). */
  push: boolean;
  /** The configured Sieve limits (sieve.*), shown in the account's Sieve capability. */
  sieveLimits?: SieveLimits;
}

export function sessionResource(account: JmapAccount, urls: SessionUrls) {
  const id = accountIdOf(account.id);
  const session = {
    capabilities: {
      [CAPABILITIES.core]: {
        maxSizeUpload: DEFAULT_LIMITS.maxSizeUpload,
        maxConcurrentUpload: 4,
        maxSizeRequest: DEFAULT_LIMITS.maxSizeRequest,
        maxConcurrentRequests: 8,
        maxCallsInRequest: DEFAULT_LIMITS.maxCallsInRequest,
        maxObjectsInGet: DEFAULT_LIMITS.maxObjectsInGet,
        maxObjectsInSet: DEFAULT_LIMITS.maxObjectsInSet,
        collationAlgorithms: ['i;ascii-casemap'],
      },
      [CAPABILITIES.mail]: {},
      [CAPABILITIES.submission]: {},
      [CAPABILITIES.vacation]: {},
      [CAPABILITIES.forwarding]: {},
      [CAPABILITIES.sieve]: {},
    },
    accounts: {
      [id]: {
        name: account.address,
        isPersonal: true,
        isReadOnly: false,
        accountCapabilities: {
          [CAPABILITIES.mail]: {
            maxMailboxesPerEmail: 1,
            maxMailboxDepth: null,
            maxSizeMailboxName: 1000,
            maxSizeAttachmentsPerEmail: 25 * 1024 * 1024,
            emailQuerySortOptions: ['receivedAt', 'sentAt', 'size', 'subject', 'from'],
            mayCreateTopLevelMailbox: true,
          },
          [CAPABILITIES.submission]: { maxDelayedSend: 0, submissionExtensions: {} },
          [CAPABILITIES.vacation]: {},
          [CAPABILITIES.forwarding]: { maxTargets: MAX_FORWARD_TARGETS },
          [CAPABILITIES.sieve]: sieveAccountCapability({ sieveLimits: urls.sieveLimits }),
        },
      },
    },
    primaryAccounts: {
      [CAPABILITIES.mail]: id,
      [CAPABILITIES.submission]: id,
      [CAPABILITIES.vacation]: id,
      [CAPABILITIES.forwarding]: id,
      [CAPABILITIES.sieve]: id,
    },
    username: account.address,
    apiUrl: `${urls.base}/jmap/api`,
    downloadUrl: `${urls.base}/jmap/download/{accountId}/{blobId}/{name}?accept={type}`,
    uploadUrl: `${urls.base}/jmap/upload/{accountId}`,
    eventSourceUrl: urls.push
      ? `${urls.base}/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}`
      : '',
    state: '',
  };
  session.state = createHash('sha256').update(JSON.stringify(session)).digest('base64url').slice(0, 16);
  return session;
}
