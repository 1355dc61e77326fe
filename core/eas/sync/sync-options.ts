/**
 * airsync:Options of a Sync or GetItemEstimate collection (MS-ASCMD §2.2.3.125.6): FilterType,
 * BodyPreference (MS-ASAIRS §2.2.2.7), MIMESupport, MIMETruncation and Conflict. A device sends
 * them once and then omits them, so the engine keeps the last ones per collection (StoredOptions).
 */
import type { ProtocolVersion } from '../protocol';
import { childrenNamed, textAt, type EasElement } from '../wbxml/tree';
import type { BodyPreference, RenderOptions } from './item-source';

export class SyncProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncProtocolError';
  }
}

/** What a device asked for a collection, as kept between requests. */
export interface StoredOptions {
  filterType?: number;
  bodyPreferences?: BodyPreference[];
  mimeSupport?: number;
  /** The MIMETruncation code 0–8 (8: no truncation). */
  mimeTruncation?: number;
  /** 0: the client's change wins, 1 (default): the server's. */
  conflict?: number;
}

/** MIMETruncation codes → bytes (§2.2.3.115); 8 is "do not truncate". */
const MIME_TRUNCATION = [0, 4096, 5120, 7168, 10240, 20480, 51200, 102400];

const UINT = /^[0-9]{1,10}$/;

function intIn(node: EasElement | undefined, name: string, min: number, max: number): number | undefined {
  const text = textAt(node, name);
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!UINT.test(t) || Number(t) < min || Number(t) > max) throw new SyncProtocolError(`bad ${name}`);
  return Number(t);
}

function bodyPreference(node: EasElement): BodyPreference {
  const type = intIn(node, 'Type', 1, 4);
  if (type === undefined) throw new SyncProtocolError('BodyPreference without Type');
  const pref: BodyPreference = { type };
  const truncationSize = intIn(node, 'TruncationSize', 0, 0xffffffff);
  if (truncationSize !== undefined) pref.truncationSize = truncationSize;
  const allOrNone = intIn(node, 'AllOrNone', 0, 1);
  if (allOrNone !== undefined) pref.allOrNone = allOrNone === 1;
  const preview = intIn(node, 'Preview', 0, 255);
  if (preview !== undefined) pref.preview = preview;
  return pref;
}

/** One Options element; `itemClass` is its airsync:Class (14.0+: one Options per class, e.g. SMS). */
export function parseOptions(node: EasElement): StoredOptions & { itemClass?: string } {
  const out: StoredOptions & { itemClass?: string } = {};
  const cls = textAt(node, 'Class');
  if (cls !== undefined) out.itemClass = cls;
  const filterType = intIn(node, 'FilterType', 0, 8);
  if (filterType !== undefined) out.filterType = filterType;
  const prefs = childrenNamed(node, 'BodyPreference');
  if (prefs.length > 0) out.bodyPreferences = prefs.slice(0, 8).map(bodyPreference);
  const mimeSupport = intIn(node, 'MIMESupport', 0, 2);
  if (mimeSupport !== undefined) out.mimeSupport = mimeSupport;
  const mimeTruncation = intIn(node, 'MIMETruncation', 0, 8);
  if (mimeTruncation !== undefined) out.mimeTruncation = mimeTruncation;
  const conflict = intIn(node, 'Conflict', 0, 2);
  if (conflict !== undefined) out.conflict = conflict;
  return out;
}

/**
 * The options that apply to a folder of `itemClass`: those of the Options element with that Class
 * or none, over what was stored. No Options element at all keeps the stored ones.
 */
export function mergeOptions(
  stored: StoredOptions,
  sent: (StoredOptions & { itemClass?: string })[],
  itemClass: string,
): StoredOptions {
  const mine = sent.filter((o) => o.itemClass === undefined || o.itemClass === itemClass);
  if (sent.length === 0) return stored;
  // A device that sends Options sends all of them: what it leaves out is back to the default.
  const out: StoredOptions = {};
  for (const o of mine) {
    const { itemClass: _cls, ...rest } = o;
    void _cls;
    Object.assign(out, rest);
  }
  return out;
}

export function renderOptions(options: StoredOptions, version: ProtocolVersion): RenderOptions {
  const out: RenderOptions = {
    version,
    bodyPreferences: options.bodyPreferences ?? [],
    mimeSupport: options.mimeSupport ?? 0,
  };
  if (options.mimeTruncation !== undefined && options.mimeTruncation < 8)
    out.mimeTruncation = MIME_TRUNCATION[options.mimeTruncation];
  return out;
}

/** FilterType 8 (incomplete tasks) only means something for Tasks; elsewhere it is "all". */
export function filterTypeFor(options: StoredOptions, itemClass: string): number {
  const f = options.filterType ?? 0;
  return f === 8 && itemClass !== 'Tasks' ? 0 : f;
}
