/**
 * What scheduling needs from the rest of the node: the PIM store (the subset of PimStore it
 * uses, so a fake can stand in for it in tests), the directory's local accounts, and the outbound
 * path (MessageAcceptor.accept, as the vacation responder uses it).
 */
import type { PimCollection, PimObject } from '../types';

export interface SchedulingObjectInput {
  name: string;
  data: string;
  contentType: string;
  uid: string;
  component?: PimObject['component'];
  firstStart?: Date | null;
  lastEnd?: Date | null;
}

export interface SchedulingStore {
  ensureDefaults(accountId: number): Promise<void>;
  collections(accountId: number, home: 'calendars'): Promise<PimCollection[]>;
  objects: {
    list(collectionId: number): Promise<PimObject[]>;
    put(
      collection: Pick<PimCollection, 'id' | 'accountId' | 'kind'>,
      input: SchedulingObjectInput,
      condition?: { ifMatch?: string[] | '*'; ifNoneMatch?: string[] | '*' },
    ): Promise<{ object: PimObject; created: boolean }>;
  };
}

export interface LocalAccount {
  id: number;
  address: string;
}

/** The subset of MessageAcceptor.accept that sends a message on (local or remote recipients). */
export type SubmitMail = (input: {
  data: Buffer;
  mailFrom: string;
  recipients: { address: string }[];
  authenticatedAs?: string;
}) => Promise<unknown>;

export interface SchedulingDeps {
  store: SchedulingStore;
  /** An account hosted here (any of our domains), or null for a remote address. */
  localAccount(address: string): Promise<LocalAccount | null>;
  submit: SubmitMail;
  now?: () => Date;
}

/** "mailto:Alice@Example.org" → "alice@example.org" (null for other calendar user addresses). */
export function mailtoAddress(value: unknown): string | null {
  const text = String(value ?? '').trim();
  const m = /^mailto:(.+)$/i.exec(text);
  return m ? m[1].trim().toLowerCase() : null;
}
