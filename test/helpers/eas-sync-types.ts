/** The request and result shapes of EasClient.sync (test/helpers/eas-client.ts). */
import type { EasElement } from '../../core/eas/wbxml/tree';
import type { EasHttpResponse } from './eas-client';

/** One collection of a Sync request (EasClient.sync). */
export interface SyncRequest {
  collectionId: string;
  /** Default: the key the client holds for the collection, or '0'. */
  syncKey?: string;
  /** GetChanges is sent with every non-zero key unless this is false. */
  getChanges?: boolean;
  deletesAsMoves?: boolean;
  windowSize?: number;
  /** Children of airsync:Options (FilterType, BodyPreference …). */
  options?: EasElement[];
  /** Children of airsync:Commands (Add, Change, Delete, Fetch). */
  commands?: EasElement[];
}

export interface SyncItem {
  serverId: string;
  clientId?: string;
  status?: string;
  data?: EasElement;
}

export interface SyncResult {
  http: number;
  /** The top-level Status (errors that concern the whole request). */
  status?: string;
  collections: Record<
    string,
    {
      status?: string;
      syncKey?: string;
      moreAvailable: boolean;
      adds: SyncItem[];
      changes: SyncItem[];
      deletes: string[];
      responses: { adds: SyncItem[]; changes: SyncItem[]; fetches: SyncItem[] };
    }
  >;
  res: EasHttpResponse;
}
