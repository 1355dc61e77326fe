import { findHeaderEnd, parseHeaderFields } from '../mime/header-parser';

/**
 * How many Received: fields a message's header carries: the hop count RFC 5321 §6.3 uses to
 * break mail loops (a forward that comes back, two servers forwarding to each other).
 */
export function countReceivedHeaders(message: Buffer): number {
  const header = message.subarray(0, findHeaderEnd(message, 0, message.length));
  return parseHeaderFields(header).filter((field) => field.name.toLowerCase() === 'received').length;
}
