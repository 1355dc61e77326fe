export interface Domain {
  id: number;
  name: string;
  catchAll: string | null;
  createdAt: Date;
}

export interface Account {
  id: number;
  domainId: number;
  address: string;
  quotaBytes: number | null;
  usedBytes: number;
  disabled: boolean;
  createdAt: Date;
}

export interface Alias {
  source: string;
  target: string;
}

/** Where mail for one envelope recipient goes, after aliases, catch-all and forwards. */
export type Resolution =
  | { kind: 'resolved'; accounts: Account[]; remote: string[] }
  | { kind: 'unknown-user' }
  | { kind: 'not-local' };
