/**
 * Shapes of the parsed message structure. Everything here is stored as Postgres jsonb beside
 * the message, so it is plain JSON data only: strings, numbers, arrays, objects and null
 * (never undefined, Buffers or class instances).
 *
 * Case: type, subtype, encoding, disposition type and parameter values are kept exactly as
 * the message wrote them (Dovecot's practice; IMAP clients compare them case-insensitively).
 * Parameter names are lower-cased (RFC 2045 says they are case-insensitive, and lower-casing
 * lets RFC 2231 segments of one parameter be joined). Defaults supplied by us are lower-case
 * ("text" "plain" ("charset" "us-ascii")) except the transfer encoding, which is "7BIT" as
 * in RFC 3501's examples. Code that branches on a type must compare case-insensitively.
 */

/** Bumped whenever the stored shape changes, so old rows can be recognised and re-parsed. */
export const STRUCTURE_VERSION = 1;

/** Content parameters in header order: [lower-cased name, value]. */
export type Params = [string, string][];

/** Byte offsets into the raw message: [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where an entity (a MIME part or a message) sits in the raw bytes. headerStart..bodyStart is
 * its header including the blank line that ends it; bodyStart..bodyEnd its body. The CRLF in
 * front of a multipart delimiter belongs to the delimiter, so it is not inside bodyEnd.
 */
export interface EntityOffsets {
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
}

/**
 * An RFC 3501 address. Group syntax: a group start is {mailbox: group name, host: null},
 * a group end has all four fields null. A mailbox without a domain (or without a local
 * part) gets "MISSING_DOMAIN" / "MISSING_MAILBOX" as Dovecot does, because a null host
 * would turn it into a group marker for the client.
 */
export interface Address {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/**
 * RFC 3501 §7.4.2 ENVELOPE. String fields are the raw header values, unfolded and trimmed
 * but not RFC 2047-decoded (IMAP returns encoded-words as they are); null when absent.
 */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

export interface Disposition {
  type: string;
  params: Params;
}

/** The BODYSTRUCTURE extension data every part has. */
export interface ExtensionFields {
  disposition: Disposition | null;
  /** Content-Language tags, or null when the header is absent or empty. */
  language: string[] | null;
  location: string | null;
}

/** Fields shared by all non-multipart parts (RFC 3501 body-fields + body-ext-1part). */
export interface SinglePartFields extends EntityOffsets, ExtensionFields {
  type: string;
  subtype: string;
  /** RFC 2231 continuations and charsets are decoded; RFC 2047 words are left as they are. */
  params: Params;
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding as written, "7BIT" when absent. */
  encoding: string;
  /** Body size in octets of the raw blob (bodyEnd - bodyStart). */
  size: number;
  /** Content-MD5 as written. */
  md5: string | null;
}

/** A part that is neither text/*, message/rfc822|global nor multipart/*. */
export interface BasicPart extends SinglePartFields {
  kind: 'basic';
}

export interface TextPart extends SinglePartFields {
  kind: 'text';
  /** Number of LF characters in the body, as Dovecot counts it. */
  lines: number;
}

/** The message carried by a message/rfc822 (or message/global) part. */
export interface EncapsulatedMessage extends EntityOffsets {
  envelope: Envelope;
  body: BodyPart;
}

export interface MessagePart extends SinglePartFields {
  kind: 'message';
  /** LF count of the whole encapsulated message (header and body). */
  lines: number;
  message: EncapsulatedMessage;
}

export interface MultipartPart extends EntityOffsets, ExtensionFields {
  kind: 'multipart';
  /** "multipart" as written in the message. */
  type: string;
  subtype: string;
  params: Params;
  /** Never empty: a multipart without any part is described as text/plain instead. */
  parts: BodyPart[];
}

export type BodyPart = BasicPart | TextPart | MessagePart | MultipartPart;

export interface MessageStructure {
  version: number;
  envelope: Envelope;
  /** The top-level entity: headerStart is 0, bodyEnd is the message size. */
  body: BodyPart;
  /** Octets of the top-level header including its terminating blank line. */
  headerSize: number;
  /** Octets of the whole message. */
  size: number;
  /**
   * Present only when IMAP serves the message differently from the stored bytes (a part with
   * Content-Transfer-Encoding: binary, or bare LF line ends): the structure of the served form
   * (binary-convert.ts).
   */
  converted?: MessageStructure;
}

/**
 * Byte ranges answering BODY[<path>], BODY[<path>.MIME], BODY[<path>.HEADER] and
 * BODY[<path>.TEXT]. header/text are null when the path names a part that is not a
 * message/rfc822 (RFC 3501 §6.4.5 allows those specifiers only on messages); mime is null
 * for the empty path, which names the message itself.
 */
export interface ResolvedSection {
  part: BodyPart;
  body: ByteRange;
  mime: ByteRange | null;
  header: ByteRange | null;
  text: ByteRange | null;
}

/** One header field as found in the raw bytes. */
export interface HeaderField {
  /** Field name as written (trailing whitespace before the colon removed). */
  name: string;
  /** Unfolded, trimmed value; not RFC 2047-decoded. */
  value: string;
  /** The original bytes of the field, including its folded lines and line break. */
  raw: Buffer;
}
