/**
 * airsyncbase:Body (MS-ASAIRS §2.2.2.9): which body type a device gets (BodyPreference,
 * MIMESupport), the text of that type from the charset-decoded MIME parts, and truncation
 * (TruncationSize / MIMETruncation, AllOrNone). HTML goes to the device as the message has it:
 * devices render mail HTML themselves, and nothing here ever interprets or executes it.
 */
import { bodyLists, partText, type Leaf } from '../../jmap/email-body';
import type { MessageStructure } from '../../mime';
import { stripHtml } from '../../mime/text-extract';
import type { BodyPreference, RenderOptions } from '../sync/item-source';
import { el, type EasElement } from '../wbxml/tree';

export const BodyType = { Plain: 1, Html: 2, Rtf: 3, Mime: 4 } as const;

/** Bodies larger than this are truncated even when the device asked for no truncation. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** MS-ASAIRS Preview: at most 255 characters. */
const MAX_PREVIEW = 255;

export interface BodyChoice {
  type: number;
  preference: BodyPreference | undefined;
}

const isSmime = (structure: MessageStructure): boolean => {
  const { type, subtype } = structure.body;
  const t = `${type}/${subtype}`.toLowerCase();
  return t === 'multipart/signed' || t === 'application/pkcs7-mime' || t === 'application/x-pkcs7-mime';
};

/**
 * MIME when the device asks for it (MIMESupport 2, or 1 for an S/MIME message) and offers a
 * Type 4 preference; otherwise the first preference we serve (RTF is not served); plain text
 * when the device states none.
 */
export function chooseBody(options: RenderOptions, structure: MessageStructure): BodyChoice {
  const prefs = options.bodyPreferences;
  const mime = prefs.find((p) => p.type === BodyType.Mime);
  if (mime && (options.mimeSupport === 2 || (options.mimeSupport === 1 && isSmime(structure))))
    return { type: BodyType.Mime, preference: mime };
  const first = prefs.find(
    (p) => p.type === BodyType.Plain || p.type === BodyType.Html || p.type === BodyType.Mime,
  );
  if (first) return { type: first.type, preference: first };
  return { type: BodyType.Plain, preference: undefined };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function leafText(raw: Buffer, leaf: Leaf, want: 'plain' | 'html'): string {
  const type = leaf.jmap.type;
  if (type !== 'text/plain' && type !== 'text/html') return '';
  const text = partText(raw, leaf.part);
  if (want === 'plain') return type === 'text/html' ? stripHtml(text) : text;
  return type === 'text/html' ? text : `<pre>${escapeHtml(text)}</pre>`;
}

/**
 * Text that survives UTF-8 on the wire: a lone surrogate (from a broken charset or encoded word)
 * becomes U+FFFD, so what is sent is what was measured; NUL cannot travel in a WBXML inline
 * string. Other controls are the message's own business.
 */
export const wellFormed = (text: string): string =>
  text
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/\u0000/g, '');
const clean = wellFormed;

export interface MessageTexts {
  plain: string;
  html: string;
  /** 1 when the message's own text is plain, 2 when it has an HTML body. */
  nativeType: number;
}

export function messageTexts(raw: Buffer, structure: MessageStructure): MessageTexts {
  const lists = bodyLists(0, structure);
  const hasHtml = lists.htmlBody.some((l) => l.jmap.type === 'text/html');
  const join = (leaves: Leaf[], want: 'plain' | 'html'): string =>
    leaves
      .map((l) => leafText(raw, l, want))
      .filter((t) => t !== '')
      .join('\n');
  const plain = join(lists.textBody, 'plain');
  const html = join(lists.htmlBody, 'html');
  return { plain: clean(plain), html: clean(html), nativeType: hasHtml ? BodyType.Html : BodyType.Plain };
}

/** The longest prefix of `text` that is at most `bytes` UTF-8 bytes, never splitting a character. */
export function truncateUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = Math.max(0, bytes);
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/** The whole message as a string when it is UTF-8 (ASCII included), else as opaque bytes. */
function mimeData(bytes: Buffer): string | Buffer {
  const text = bytes.toString('utf8');
  return Buffer.byteLength(text, 'utf8') === bytes.length && !text.includes('\u0000') ? text : bytes;
}

function previewOf(texts: MessageTexts, chars: number | undefined): string | null {
  if (!chars || chars <= 0) return null;
  const source = texts.plain || stripHtml(texts.html);
  return [...source.replace(/\s+/g, ' ').trim()].slice(0, Math.min(chars, MAX_PREVIEW)).join('');
}

export interface BodyInput {
  raw: Buffer;
  structure: MessageStructure;
  texts: MessageTexts;
  options: RenderOptions;
  maxBodyBytes?: number;
}

export function renderBody(input: BodyInput): EasElement {
  const { raw, structure, texts, options } = input;
  const choice = chooseBody(options, structure);
  const pref = choice.preference;
  const cap = input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const wanted =
    choice.type === BodyType.Mime ? (pref?.truncationSize ?? options.mimeTruncation) : pref?.truncationSize;
  const limit = Math.min(wanted ?? cap, cap);
  let size: number;
  let data: string | Buffer | null;
  if (choice.type === BodyType.Mime) {
    size = raw.length;
    data = mimeData(raw.length > limit ? raw.subarray(0, limit) : raw);
  } else {
    const text = choice.type === BodyType.Html ? texts.html : texts.plain;
    size = Buffer.byteLength(text, 'utf8');
    data = size > limit ? truncateUtf8(text, limit) : text;
  }
  const truncated = size > limit;
  // AllOrNone: a body that does not fit whole is not sent at all.
  if (truncated && pref?.allOrNone) data = null;
  return el(
    'AirSyncBase',
    'Body',
    el('AirSyncBase', 'Type', choice.type),
    el('AirSyncBase', 'EstimatedDataSize', size),
    truncated && el('AirSyncBase', 'Truncated', 1),
    data !== null && el('AirSyncBase', 'Data', data),
    (() => {
      const preview = previewOf(texts, pref?.preview);
      return preview !== null && el('AirSyncBase', 'Preview', preview);
    })(),
  );
}
