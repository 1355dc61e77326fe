/**
 * Values shared by the Calendar, Contacts and Tasks classes: the two EAS date forms
 * (MS-ASDTYPE §2.3 dateTime "2026-12-03T12:00:00.000Z", §2.7.2 Compact DateTime
 * "20261203T120000Z"), text of ApplicationData children, and airsyncbase:Body (MS-ASAIRS §2.2.2.9)
 * in and out. Device input is untrusted: every reader returns null for what it cannot use.
 */
import type { BodyPreference } from '../sync/item-source';
import { child, el, type EasElement } from '../wbxml/tree';

/** "20261203T120000Z" */
export function compactDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** "2026-12-03T12:00:00.000Z" */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?Z?$/;

/** Either EAS date form (devices mix them up) as epoch ms; null when it is not one. */
export function parseEasDate(text: string | undefined): number | null {
  if (text === undefined) return null;
  const m = COMPACT.exec(text.trim()) ?? ISO.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  if (y < 1601 || y > 4500 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isFinite(ms) ? ms : null;
}

/** Text of a direct child; undefined when absent, '' when present and empty. */
export function textOf(node: EasElement | undefined, name: string, page?: number): string | undefined {
  const c = child(node, name, page);
  if (!c) return undefined;
  return c.text ?? '';
}

/** A small non-negative integer child (Sensitivity, BusyStatus …); null when absent or not one. */
export function intOf(node: EasElement | undefined, name: string, page?: number): number | null {
  const t = textOf(node, name, page)?.trim();
  if (t === undefined || !/^[0-9]{1,9}$/.test(t)) return null;
  return Number(t);
}

/** EAS booleans are "0"/"1". */
export function boolOf(node: EasElement | undefined, name: string, page?: number): boolean | null {
  const n = intOf(node, name, page);
  return n === null ? null : n !== 0;
}

/** The Category children of a Categories element (null: no Categories element at all). */
export function categoriesOf(node: EasElement | undefined, page: number): string[] | null {
  const c = child(node, 'Categories', page);
  if (!c) return null;
  return c.children
    .filter((x) => x.name === 'Category')
    .map((x) => (x.text ?? '').trim())
    .filter(Boolean);
}

export function categoriesElement(namespace: string, categories: string[]): EasElement | null {
  if (categories.length === 0) return null;
  return el(namespace, 'Categories', ...categories.map((c) => el(namespace, 'Category', c)));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes, not splitting a character. */
export function truncateUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = Math.max(0, bytes);
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/**
 * airsyncbase:Body of a plain-text note after the device's BodyPreference: plain text (1) unless
 * only HTML (2) is asked for; RTF (3) and MIME (4) are not stored for PIM items, so plain text.
 */
export function bodyElement(text: string, preferences: BodyPreference[]): EasElement | null {
  if (text === '') return null;
  const usable = preferences.filter((p) => p.type === 1 || p.type === 2);
  const pref = usable.find((p) => p.type === 1) ?? usable[0] ?? { type: 1 };
  const data = pref.type === 2 ? `<html><body><pre>${escapeHtml(text)}</pre></body></html>` : text;
  const size = Buffer.byteLength(data, 'utf8');
  const limit = pref.truncationSize;
  const truncated = limit !== undefined && size > limit;
  const preview = pref.preview ? text.slice(0, pref.preview) : null;
  return el(
    'AirSyncBase',
    'Body',
    el('AirSyncBase', 'Type', pref.type),
    el('AirSyncBase', 'EstimatedDataSize', size),
    truncated && el('AirSyncBase', 'Truncated', 1),
    el('AirSyncBase', 'Data', truncated ? truncateUtf8(data, limit) : data),
    preview !== null && el('AirSyncBase', 'Preview', preview),
  );
}

/** Text from HTML a device sent: tags dropped, common entities decoded, line breaks kept. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

/**
 * The note text of an airsyncbase:Body a device sent: undefined when there is no Body (keep
 * what is stored), '' when it is empty. A truncated body is not a full replacement: undefined.
 */
export function bodyText(data: EasElement | undefined): string | undefined {
  const body = child(data, 'Body', 17);
  if (!body) return undefined;
  if (textOf(body, 'Truncated', 17) === '1') return undefined;
  const text = textOf(body, 'Data', 17) ?? '';
  const type = intOf(body, 'Type', 17) ?? 1;
  if (type === 2) return htmlToText(text);
  // RTF (3) and MIME (4) bodies are not converted: keep the stored note rather than store noise.
  if (type !== 1) return undefined;
  return text.replace(/\r\n/g, '\n');
}
