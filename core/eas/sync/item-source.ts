/**
 * What Sync, GetItemEstimate, Ping, ItemOperations, MoveItems and Search need of a folder's items,
 * whatever store holds them: mail (IMAP mailboxes, ServerIds "m<mailbox>:<uid>"), calendars and
 * task lists ("c<collection>:<object>") and address books ("a<collection>:<object>"). Each class
 * (Email, Calendar, Contacts, Tasks) converts between its store and airsync:ApplicationData.
 * Every method is confined to `accountId`: a folder or item of another account is "not found".
 */
import type { ProtocolVersion } from '../protocol';
import type { EasElement } from '../wbxml/tree';

export type EasClass = 'Email' | 'Calendar' | 'Contacts' | 'Tasks';

/** airsyncbase:BodyPreference (MS-ASAIRS §2.2.2.7): 1 plain text, 2 HTML, 3 RTF, 4 MIME. */
export interface BodyPreference {
  type: number;
  truncationSize?: number;
  allOrNone?: boolean;
  /** 14.0+: characters of plain-text preview. */
  preview?: number;
}

/** How items are rendered for one request (Sync Options, ItemOperations Fetch Options …). */
export interface RenderOptions {
  version: ProtocolVersion;
  bodyPreferences: BodyPreference[];
  /** airsync:MIMESupport: 0 never, 1 S/MIME only, 2 always MIME. */
  mimeSupport: number;
  /** airsync:MIMETruncation as a byte count, if given. */
  mimeTruncation?: number;
}

/** ServerId → a version string that changes whenever the item changes (MODSEQ, ETag …). */
export type ItemVersions = Map<string, string>;

/** The outcome of a client Add/Change/Delete: a Sync Status (1 success, 6 error, 8 not found …). */
export interface ItemResult {
  status: number;
  /** Add: the new item's ServerId. */
  serverId?: string;
}

export interface EasItemSource {
  /** The ServerId prefix of the folders this source serves ("m", "c" or "a"). */
  readonly prefix: string;
  /** The class of the account's folder, or null when it does not exist or is not the account's. */
  classOf(accountId: number, collectionId: string): Promise<EasClass | null>;
  /**
   * The items a device should hold, after the Sync FilterType (0 all, 1 one day … 5 one month,
   * 6 three months, 7 six months; 8 incomplete tasks). The folder is the account's (classOf first).
   */
  versions(accountId: number, collectionId: string, filterType: number): Promise<ItemVersions>;
  /** airsync:ApplicationData of each ServerId that still exists (missing ones are left out). */
  applicationData(
    accountId: number,
    collectionId: string,
    serverIds: string[],
    options: RenderOptions,
  ): Promise<Map<string, EasElement>>;
  add(
    accountId: number,
    collectionId: string,
    data: EasElement,
    version: ProtocolVersion,
  ): Promise<ItemResult>;
  change(
    accountId: number,
    collectionId: string,
    serverId: string,
    data: EasElement,
    version: ProtocolVersion,
    /**
     * The collection's airsync:Supported names (MS-ASCMD §2.2.3.168) when the device sent them
     * with SyncKey 0: properties outside them that the Change leaves out keep their stored
     * values (ghosted); those inside are removed. Absent: nothing is ghosted.
     */
    supported?: readonly string[],
  ): Promise<ItemResult>;
  /** Delete; with deletesAsMoves (mail), a move to Deleted Items. */
  remove(
    accountId: number,
    collectionId: string,
    serverId: string,
    options: { deletesAsMoves: boolean },
  ): Promise<ItemResult>;
}

/** The source serving a folder, by its ServerId prefix ("m12" → the mail source). */
export function sourceFor(
  sources: readonly EasItemSource[],
  collectionId: string,
): EasItemSource | undefined {
  return sources.find(
    (s) => collectionId.startsWith(s.prefix) && /^[0-9]+$/.test(collectionId.slice(s.prefix.length)),
  );
}
