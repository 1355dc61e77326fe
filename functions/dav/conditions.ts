/** If-Match / If-None-Match (RFC 7232) as the store's WriteCondition. */
import type { WriteCondition } from '../../core/pim/pim-objects';
import type { WebRequest } from '../web/types';

function list(header: string | undefined): string[] | '*' | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  // Weak validators never match for writes (RFC 7232 §3.1 uses the strong comparison).
  return header.match(/(W\/)?"[^"]*"/g)?.filter((t) => !t.startsWith('W/')) ?? [];
}

export function writeCondition(request: WebRequest): WriteCondition {
  return { ifMatch: list(request.headers['if-match']), ifNoneMatch: list(request.headers['if-none-match']) };
}
