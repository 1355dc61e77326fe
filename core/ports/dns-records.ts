/**
 * TXT records in a DNS zone we control, for ACME DNS-01 challenges (`_acme-challenge.<name>`).
 * A name can carry several values at once (a name and its wildcard are validated through the same
 * record), so the port adds and removes single values rather than replacing the record.
 */
export interface DnsTxtRecords {
  /** Adds `value` to the TXT record `name` and resolves once the zone serves it. */
  addTxt(name: string, value: string): Promise<void>;
  /** Removes `value` from the TXT record `name` (the record goes when its last value does). */
  removeTxt(name: string, value: string): Promise<void>;
}
