/**
 * BODY[section]<partial> and BINARY[section] content from the stored structure and the blob:
 * ranges are cut with BlobStore.getRange, so a header fetch never reads the whole message.
 * Offsets in the structure count from the start of the full message (header prefix + blob).
 */
import {
  decodeTransferEncoding,
  filterHeaderFields,
  resolveSection,
  servedBytes,
  type MessageStructure,
} from '../../../core/mime';
import type { BlobStore } from '../../../core/ports/blob-store';
import type { MessageRecord } from '../../../core/store/imap-view';
import type { Section } from '../parser/fetch-grammar';

/** Bytes of a message, whole or by range [start, end). */
export interface ByteSource {
  all(): Promise<Buffer>;
  range(start: number, end: number): Promise<Buffer>;
}

export class MessageBytes implements ByteSource {
  private full: Buffer | null = null;

  constructor(
    private readonly blobs: BlobStore,
    readonly record: MessageRecord,
  ) {}

  private get prefix(): Buffer {
    return this.record.headerPrefix ?? Buffer.alloc(0);
  }

  async all(): Promise<Buffer> {
    if (!this.full) {
      const body = await this.blobs.get(this.record.blobKey!);
      this.full = this.prefix.length > 0 ? Buffer.concat([this.prefix, body]) : body;
    }
    return this.full;
  }

  /** Bytes [start, end) of the full message. */
  async range(start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    if (this.full) return this.full.subarray(start, end);
    const p = this.prefix.length;
    const parts: Buffer[] = [];
    if (start < p) parts.push(this.prefix.subarray(start, Math.min(end, p)));
    if (end > p) parts.push(await this.blobs.getRange(this.record.blobKey!, Math.max(0, start - p), end - p));
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

/**
 * The message as IMAP serves it when that differs from the stored bytes (structure.converted:
 * binary parts base64-encoded, bare LF made CRLF), built once per message and FETCH.
 */
export class ConvertedBytes implements ByteSource {
  private full: Buffer | null = null;

  constructor(
    private readonly stored: MessageBytes,
    private readonly structure: MessageStructure,
  ) {}

  async all(): Promise<Buffer> {
    this.full ??= servedBytes(await this.stored.all(), this.structure);
    return this.full;
  }

  async range(start: number, end: number): Promise<Buffer> {
    return end <= start ? Buffer.alloc(0) : (await this.all()).subarray(start, end);
  }
}

/**
 * A plain literal must not carry NUL (RFC 9051 §4.3); a NUL left in a non-binary part is sent
 * as 0x80, as Dovecot does, so the size stays what RFC822.SIZE and BODYSTRUCTURE said.
 */
export function withoutNuls(data: Buffer): Buffer {
  if (!data.includes(0)) return data;
  const copy = Buffer.from(data);
  for (let i = copy.indexOf(0); i >= 0; i = copy.indexOf(0, i + 1)) copy[i] = 0x80;
  return copy;
}

export class UnknownCteError extends Error {}

/** Bytes for a BODY[...] section; null when the section names no part. */
export async function sectionBytes(
  bytes: ByteSource,
  structure: MessageStructure,
  section: Section,
  partial: { start: number; length: number } | null,
): Promise<Buffer | null> {
  const resolved = resolveSection(structure, section.path);
  if (!resolved) return null;
  let range: { start: number; end: number } | null;
  let filter: ((b: Buffer) => Buffer) | null = null;
  switch (section.specifier) {
    case null:
      range = resolved.body;
      break;
    case 'MIME':
      range = resolved.mime;
      break;
    case 'TEXT':
      range = resolved.text;
      break;
    case 'HEADER':
      range = resolved.header;
      break;
    default: {
      range = resolved.header;
      const names = section.fields;
      const exclude = section.specifier === 'HEADER.FIELDS.NOT';
      filter = (b) => filterHeaderFields(b, names, exclude);
    }
  }
  if (!range) return null;
  if (filter) {
    const out = filter(await bytes.range(range.start, range.end));
    return partial ? slice(out, partial) : out;
  }
  if (partial) {
    const start = Math.min(range.end, range.start + partial.start);
    const end = Math.min(range.end, start + partial.length);
    return bytes.range(start, end);
  }
  return bytes.range(range.start, range.end);
}

function slice(buf: Buffer, partial: { start: number; length: number }): Buffer {
  if (partial.start >= buf.length) return Buffer.alloc(0);
  return buf.subarray(partial.start, partial.start + partial.length);
}

const IDENTITY = new Set(['7bit', '8bit', 'binary']);
const DECODABLE = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

/** BINARY[path]: the part's body with its transfer encoding removed (RFC 3516). */
export async function binaryBytes(
  bytes: ByteSource,
  structure: MessageStructure,
  path: number[],
  partial: { start: number; length: number } | null,
): Promise<Buffer | null> {
  const resolved = resolveSection(structure, path);
  if (!resolved) return null;
  const part = resolved.part;
  const encoding = part.kind === 'multipart' ? '7bit' : part.encoding.toLowerCase();
  if (!DECODABLE.has(encoding)) throw new UnknownCteError(encoding);
  const raw = await bytes.range(resolved.body.start, resolved.body.end);
  const decoded = IDENTITY.has(encoding) ? raw : decodeTransferEncoding(raw, encoding);
  return partial ? slice(decoded, partial) : decoded;
}
