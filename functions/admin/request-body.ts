/** The JSON body of an admin API request: a bounded JSON object, and its string fields. */
import { AdminError } from '../../core/admin/admin-commands';
import { parseBoundedJson, type JsonLimits } from '../../core/util/bounded-json';
import type { WebRequest } from '../web/types';

export type Body = Record<string, unknown>;

export function parseBody(request: WebRequest, limits?: JsonLimits): Body {
  if (request.body.length === 0) return {};
  // A JsonBodyError is a SyntaxError: answered 400 'invalid' (command-route.ts).
  const value = parseBoundedJson(request.body, limits);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new AdminError('invalid', 'JSON object expected');
  return value as Body;
}

/** A string field of a body ('' when absent or not a string). */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
