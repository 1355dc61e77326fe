/**
 * Request options shared by ItemOperations, Search and Find: airsyncbase:BodyPreference and
 * airsync:MIMESupport into the item sources' RenderOptions, and the "m-n" Range (MS-ASCMD
 * §2.2.3.143: zero-based, both ends included).
 */
import type { ProtocolVersion } from '../protocol';
import type { BodyPreference, RenderOptions } from '../sync/item-source';
import { child, childrenNamed, textAt, type EasElement } from '../wbxml/tree';
import { pageOf } from '../wbxml/code-pages';

const BASE = pageOf('AirSyncBase')!;
const AIRSYNC = pageOf('AirSync')!;
/** Bodies a device may ask for: 1 plain, 2 HTML, 3 RTF, 4 MIME (MS-ASAIRS §2.2.2.22.1). */
const BODY_TYPES = new Set([1, 2, 3, 4]);

export interface Range {
  start: number;
  end: number;
}

const smallInt = (text: string | undefined, max: number): number | undefined => {
  if (text === undefined || !/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
};

/** "0-99" → {start: 0, end: 99}; null for anything else (end before start included). */
export function parseRange(text: string | undefined): Range | null {
  const m = text === undefined ? null : /^([0-9]{1,10})-([0-9]{1,10})$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return start <= end ? { start, end } : null;
}

/** BodyPreference elements of an Options element; invalid ones are dropped. */
export function bodyPreferences(options: EasElement | undefined): BodyPreference[] {
  const out: BodyPreference[] = [];
  for (const pref of childrenNamed(options, 'BodyPreference')) {
    if (pref.page !== BASE) continue;
    const type = smallInt(textAt(pref, 'Type'), 4);
    if (type === undefined || !BODY_TYPES.has(type)) continue;
    const truncationSize = smallInt(textAt(pref, 'TruncationSize'), 0xffffffff);
    const preview = smallInt(textAt(pref, 'Preview'), 255);
    const allOrNone = textAt(pref, 'AllOrNone');
    out.push({
      type,
      ...(truncationSize !== undefined ? { truncationSize } : {}),
      ...(preview !== undefined ? { preview } : {}),
      ...(allOrNone !== undefined ? { allOrNone: allOrNone === '1' } : {}),
    });
  }
  return out;
}

export function renderOptions(options: EasElement | undefined, version: ProtocolVersion): RenderOptions {
  const mime = child(options, 'MIMESupport', AIRSYNC);
  const mimeSupport = smallInt(mime?.text, 2) ?? 0;
  const truncation = smallInt(textAt(options, 'MIMETruncation'), 8);
  const prefs = bodyPreferences(options);
  return {
    version,
    // Without a preference the device gets plain text (MS-ASAIRS §3.2.5.1: the server's choice).
    bodyPreferences: prefs.length > 0 ? prefs : [{ type: 1 }],
    mimeSupport,
    ...(truncation !== undefined ? { mimeTruncation: MIME_TRUNCATION[truncation] } : {}),
  };
}

/** airsync:MIMETruncation codes 0–8 as byte counts (8: everything). */
const MIME_TRUNCATION = [0, 4096, 5120, 7168, 10240, 20480, 51200, 102400, Number.MAX_SAFE_INTEGER];
