/**
 * The Sync request (MS-ASCMD §2.2.1.21.1) as data: collections with their SyncKey, options and
 * client commands, and the hanging-sync parameters (Wait, HeartbeatInterval). Parsing only;
 * anything malformed is a SyncProtocolError (Status 4). Names are matched within the AirSync
 * page, except ApplicationData's content, which the item sources read.
 */
import { CODE_PAGES } from '../wbxml/code-pages';
import { child, childrenNamed, textAt, type EasElement } from '../wbxml/tree';
import { parseOptions, SyncProtocolError, type StoredOptions } from './sync-options';

export type ClientCommand =
  | { kind: 'Add'; clientId: string; data: EasElement }
  | { kind: 'Change'; serverId: string; data: EasElement }
  | { kind: 'Delete'; serverId: string }
  | { kind: 'Fetch'; serverId: string };

export interface SyncCollectionRequest {
  syncKey: string;
  collectionId: string;
  /** Absent: true, except with SyncKey 0 (§2.2.3.84). */
  getChanges?: boolean;
  /** Absent: true (§2.2.3.43). */
  deletesAsMoves?: boolean;
  windowSize?: number;
  options: (StoredOptions & { itemClass?: string })[];
  commands: ClientCommand[];
  /**
   * airsync:Supported (§2.2.3.168): the local names of the properties the device manages (the
   * others are ghosted). Absent: no Supported element; empty: the element with no children.
   */
  supported?: string[];
}

export interface SyncRequest {
  /** null: no Collections element (an empty request, or only Wait/HeartbeatInterval). */
  collections: SyncCollectionRequest[] | null;
  partial: boolean;
  /** Minutes (1–59), as sent; the command checks the bounds (Status 14). */
  wait?: number;
  /** Seconds, as sent. */
  heartbeatInterval?: number;
  windowSize?: number;
}

export interface SyncRequestLimits {
  maxCollections: number;
  maxCommands: number;
}

export const DEFAULT_SYNC_REQUEST_LIMITS: SyncRequestLimits = { maxCollections: 300, maxCommands: 1000 };

const AIRSYNC = CODE_PAGES.find((p) => p.namespace === 'AirSync')!.page;
const SYNC_KEY = /^[0-9]{1,9}$/;
const ID = /^[A-Za-z0-9:_-]{1,128}$/;
/** At most this many Supported children (the Contacts and Calendar classes have fewer). */
const MAX_SUPPORTED = 200;

const bad = (what: string): never => {
  throw new SyncProtocolError(what);
};

function uint(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^[0-9]{1,9}$/.test(t) ? Number(t) : bad(`bad ${name}`);
}

/** GetChanges / DeletesAsMoves: empty or 1 is true, 0 false. */
function flag(node: EasElement, name: string): boolean | undefined {
  const text = textAt(node, name);
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === '' || t === '1') return true;
  if (t === '0') return false;
  return bad(`bad ${name}`);
}

const airsync = (node: EasElement, name: string) => child(node, name, AIRSYNC);

function id(node: EasElement, name: string): string {
  const text = textAt(node, name)?.trim();
  return text !== undefined && ID.test(text) ? text : bad(`bad ${name}`);
}

function command(node: EasElement): ClientCommand | null {
  if (node.page !== AIRSYNC) return null;
  switch (node.name) {
    case 'Add': {
      const clientId = textAt(node, 'ClientId')?.trim();
      if (!clientId || clientId.length > 64) return bad('Add without ClientId');
      return { kind: 'Add', clientId, data: airsync(node, 'ApplicationData') ?? bad('Add without data') };
    }
    case 'Change':
      return {
        kind: 'Change',
        serverId: id(node, 'ServerId'),
        data: airsync(node, 'ApplicationData') ?? bad('Change without data'),
      };
    case 'Delete':
      return { kind: 'Delete', serverId: id(node, 'ServerId') };
    case 'Fetch':
      return { kind: 'Fetch', serverId: id(node, 'ServerId') };
    default:
      return bad(`unknown command ${node.name}`);
  }
}

/** The element names under Supported, each once (their content, if any, means nothing). */
function supported(node: EasElement): string[] {
  if (node.children.length > MAX_SUPPORTED) bad('too many Supported elements');
  if (node.text !== undefined && node.text.trim() !== '') bad('text in Supported');
  return [...new Set(node.children.map((c) => c.name))];
}

function collection(node: EasElement, limits: SyncRequestLimits): SyncCollectionRequest {
  const syncKey = textAt(node, 'SyncKey')?.trim();
  if (syncKey === undefined || !SYNC_KEY.test(syncKey)) bad('bad SyncKey');
  const out: SyncCollectionRequest = {
    syncKey: syncKey!,
    collectionId: id(node, 'CollectionId'),
    options: childrenNamed(node, 'Options').slice(0, 4).map(parseOptions),
    commands: [],
  };
  const getChanges = flag(node, 'GetChanges');
  if (getChanges !== undefined) out.getChanges = getChanges;
  const deletesAsMoves = flag(node, 'DeletesAsMoves');
  if (deletesAsMoves !== undefined) out.deletesAsMoves = deletesAsMoves;
  const windowSize = uint(textAt(node, 'WindowSize'), 'WindowSize');
  if (windowSize !== undefined) out.windowSize = windowSize;
  const ghosting = airsync(node, 'Supported');
  if (ghosting) out.supported = supported(ghosting);
  const commands = airsync(node, 'Commands');
  if (commands) {
    if (commands.children.length > limits.maxCommands) bad('too many commands');
    for (const c of commands.children) {
      const parsed = command(c);
      if (parsed) out.commands.push(parsed);
    }
  }
  return out;
}

export function parseSyncRequest(
  body: EasElement | null,
  limits: SyncRequestLimits = DEFAULT_SYNC_REQUEST_LIMITS,
): SyncRequest {
  if (body === null) return { collections: null, partial: false };
  if (body.name !== 'Sync' || body.page !== AIRSYNC) return bad('not a Sync request');
  const out: SyncRequest = { collections: null, partial: child(body, 'Partial') !== undefined };
  const wait = uint(textAt(body, 'Wait'), 'Wait');
  if (wait !== undefined) out.wait = wait;
  const heartbeat = uint(textAt(body, 'HeartbeatInterval'), 'HeartbeatInterval');
  if (heartbeat !== undefined) out.heartbeatInterval = heartbeat;
  if (wait !== undefined && heartbeat !== undefined) bad('Wait and HeartbeatInterval together');
  const windowSize = uint(textAt(body, 'WindowSize'), 'WindowSize');
  if (windowSize !== undefined) out.windowSize = windowSize;
  const collections = airsync(body, 'Collections');
  if (collections) {
    const list = childrenNamed(collections, 'Collection');
    if (list.length > limits.maxCollections) bad('too many collections');
    out.collections = list.map((c) => collection(c, limits));
    const ids = new Set(out.collections.map((c) => c.collectionId));
    if (ids.size !== out.collections.length) bad('a collection twice');
  }
  return out;
}

export { SyncProtocolError };
