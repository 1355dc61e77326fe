import type { Account } from './types';

/** An `accounts` row as SQL returns it. */
export interface AccountRow {
  id: number;
  domain_id: number;
  address: string;
  password_hash: string;
  quota_bytes: number | null;
  used_bytes: number;
  disabled: boolean;
  created_at: Date;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    domainId: row.domain_id,
    address: row.address,
    quotaBytes: row.quota_bytes,
    usedBytes: row.used_bytes,
    disabled: row.disabled,
    createdAt: new Date(row.created_at),
  };
}
