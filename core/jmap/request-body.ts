/**
 * A JMAP API request body (RFC 8620 §3.3) from bytes to a JmapRequest: size, nesting depth and
 * JSON first (core/util/bounded-json), then the Request shape (dispatcher.parseRequest). Every
 * failure is a JmapRequestError carrying the RFC 8620 §3.6.1 problem type.
 */
import { DEFAULT_JSON_LIMITS, JsonBodyError, parseBoundedJson } from '../util/bounded-json';
import { DEFAULT_LIMITS, type JmapLimits } from './context';
import { parseRequest, type JmapRequest } from './dispatcher';
import { JmapRequestError } from './errors';

export function parseRequestBody(
  body: Uint8Array,
  limits: JmapLimits = DEFAULT_LIMITS,
  maxDepth = DEFAULT_JSON_LIMITS.maxDepth,
): JmapRequest {
  let value: unknown;
  try {
    value = parseBoundedJson(body, { maxBytes: limits.maxSizeRequest, maxDepth });
  } catch (error) {
    if (!(error instanceof JsonBodyError)) throw error;
    if (error.problem === 'too-large')
      throw new JmapRequestError('urn:ietf:params:jmap:error:limit', 400, 'request too large', {
        limit: 'maxSizeRequest',
      });
    // Not a capability limit, so no "limit" property a client could look up: the request is refused as malformed.
    if (error.problem === 'too-deep')
      throw new JmapRequestError('urn:ietf:params:jmap:error:notRequest', 400, error.message);
    throw new JmapRequestError('urn:ietf:params:jmap:error:notJSON', 400, 'the request body is not JSON');
  }
  return parseRequest(value, limits);
}
