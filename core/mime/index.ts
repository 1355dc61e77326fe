/**
 * core/mime: parse a raw RFC 5322 message once, at delivery, into the data an IMAP server
 * needs for ENVELOPE, BODYSTRUCTURE, BODY[section] and SEARCH.
 */
export type {
  Address,
  BasicPart,
  BodyPart,
  ByteRange,
  Disposition,
  EncapsulatedMessage,
  EntityOffsets,
  Envelope,
  HeaderField,
  MessagePart,
  MessageStructure,
  MultipartPart,
  Params,
  ResolvedSection,
  TextPart,
} from './types';
export { STRUCTURE_VERSION } from './types';
export { parseMessageStructure } from './structure';
export { resolveSection } from './section';
export { parseHeaderFields, findHeaderEnd } from './header-parser';
export { filterHeaderFields } from './header-fields';
export { parseAddressList } from './address-list';
export { extractSearchText, BODY_TEXT_LIMIT, type SearchText } from './text-extract';
export { decodeHeaderValue } from './decode-header';
export { decodeTransferEncoding } from './transfer-decoding';
export { binaryParts, servedBytes, needsServedForm, hasBareLf, base64Lines } from './binary-convert';
