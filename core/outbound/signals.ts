/**
 * Compromise signals (issue #19). Each is a pure test on counts the guard already has, so it is
 * evaluated at acceptance without extra round trips (except the quiet check's one row):
 * - recipient burst: a message takes the distinct recipients of a 10-minute bucket past
 *   `burstRecipients`;
 * - logins from many networks: more distinct /16 (IPv4) or /32 (IPv6) networks with a successful
 *   AUTH in an hour than `loginNetworksPerHour` (the stand-in for "many countries": no GeoIP here);
 * - new sending after a long quiet: the first send after `quietDays` opens a one-hour watch in
 *   which more than `quietBurstMessages` messages fire;
 * - rejects and bounces: more recipients of the account's mail refused for good by remote servers
 *   (or expired) in an hour than `rejectsPerHour` (fed by the relay, core/outbound/outbound-guard.ts
 *   noteReject).
 */
import type { WindowCount } from '../ports/send-counters';

export interface SignalSettings {
  burstRecipients: number;
  loginNetworksPerHour: number;
  quietDays: number;
  quietBurstMessages: number;
  rejectsPerHour: number;
}

export const DEFAULT_SIGNALS: SignalSettings = {
  burstRecipients: 100,
  loginNetworksPerHour: 5,
  quietDays: 30,
  quietBurstMessages: 20,
  rejectsPerHour: 50,
};

export function recipientBurst(
  settings: SignalSettings,
  counts: WindowCount[],
  account: string,
): string | null {
  const burst = counts.find((c) => c.scope === 'user' && c.key === account && c.window === 'burst');
  // Fires when this message crosses the threshold (once per bucket: a released account is not
  // held again by the same burst).
  const before = burst ? burst.recipients - (burst.added ?? 0) : 0;
  if (burst && burst.recipients > settings.burstRecipients && before <= settings.burstRecipients) {
    return `signal: recipient burst (${burst.recipients} distinct recipients in 10 minutes)`;
  }
  return null;
}

export function quietBurst(
  settings: SignalSettings,
  counts: WindowCount[],
  account: string,
  wokeAt: Date | null,
  now: Date,
): string | null {
  if (!wokeAt || now.getTime() - wokeAt.getTime() > 3_600_000) return null;
  const hour = counts.find((c) => c.scope === 'user' && c.key === account && c.window === 'hour');
  if (hour && hour.messages === settings.quietBurstMessages + 1) {
    return `signal: ${hour.messages} messages within an hour after ${settings.quietDays} quiet days`;
  }
  return null;
}

export function loginSpread(settings: SignalSettings, networks: number): string | null {
  return networks > settings.loginNetworksPerHour
    ? `signal: logins from ${networks} networks in an hour`
    : null;
}

/** The network an address counts as: /16 for IPv4, /32 for IPv6. */
export function networkOf(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/i.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.0.0/16`;
  const groups = address.toLowerCase().split(':');
  return `${groups[0] || '0'}:${groups[1] || '0'}::/32`;
}
