/**
 * JMAP ids (RFC 8620 §1.2: 1–255 chars of A-Za-z0-9-_): stable strings derived from row ids,
 * a type letter then base 36. Parsing returns null for anything malformed (→ notFound).
 */
const parse = (prefix: string, id: unknown): number | null => {
  if (typeof id !== 'string' || !id.startsWith(prefix)) return null;
  const rest = id.slice(prefix.length);
  if (!/^[0-9a-z]{1,12}$/.test(rest)) return null;
  const n = parseInt(rest, 36);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};
const make = (prefix: string, n: number | string): string => prefix + Number(n).toString(36);

export const accountIdOf = (n: number | string): string => make('A', n);
export const parseAccountId = (id: unknown): number | null => parse('A', id);
export const mailboxIdOf = (n: number | string): string => make('M', n);
export const parseMailboxId = (id: unknown): number | null => parse('M', id);
export const emailIdOf = (n: number | string): string => make('e', n);
export const parseEmailId = (id: unknown): number | null => parse('e', id);
export const threadIdOf = (n: number | string): string => make('t', n);
export const parseThreadId = (id: unknown): number | null => parse('t', id);
export const identityIdOf = (n: number | string): string => make('i', n);
export const parseIdentityId = (id: unknown): number | null => parse('i', id);
export const submissionIdOf = (n: number | string): string => make('s', n);
export const parseSubmissionId = (id: unknown): number | null => parse('s', id);

/** Blob ids: a whole message `bm<id>`, one of its MIME parts `bm<id>_1-2`, or an upload `bu<id>`. */
export type BlobRef =
  { kind: 'message'; messageId: number; part: number[] | null } | { kind: 'upload'; uploadId: number };

export function blobIdOf(ref: BlobRef): string {
  if (ref.kind === 'upload') return make('bu', ref.uploadId);
  return make('bm', ref.messageId) + (ref.part && ref.part.length > 0 ? '_' + ref.part.join('-') : '');
}

export function parseBlobId(id: unknown): BlobRef | null {
  if (typeof id !== 'string') return null;
  const upload = parse('bu', id);
  if (upload) return { kind: 'upload', uploadId: upload };
  const m = /^bm([0-9a-z]{1,12})(?:_(\d+(?:-\d+)*))?$/.exec(id);
  if (!m) return null;
  const messageId = parseInt(m[1], 36);
  if (!Number.isSafeInteger(messageId) || messageId <= 0) return null;
  return { kind: 'message', messageId, part: m[2] ? m[2].split('-').map(Number) : null };
}
