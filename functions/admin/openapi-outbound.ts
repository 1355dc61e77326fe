/** Admin API paths of outbound abuse control (docs/outbound.md), part of the OpenAPI document. */
import { body, int, ok, pathParam, queryParam, str } from './openapi-parts';

const limits = { messagesPerHour: int, messagesPerDay: int, recipientsPerHour: int, recipientsPerDay: int };

export const OUTBOUND_PATHS = {
  '/outbound/holds': {
    get: {
      summary: 'Held accounts: reason, since, and how many messages each has in hold',
      responses: ok('holds', { type: 'array', items: { type: 'object' } }),
    },
  },
  '/users/{address}/hold': {
    put: {
      summary: 'Holds the account: its submitted mail is accepted but kept, not sent (audited)',
      parameters: [pathParam('address')],
      requestBody: body({ reason: str }),
      responses: ok('held'),
    },
    delete: {
      summary: 'Releases the account; its held mail goes back to the spool, or is deleted with `purge=true`',
      parameters: [pathParam('address'), queryParam('purge', '`true` deletes the held mail instead')],
      responses: ok('released'),
    },
  },
  '/outbound/limits': {
    get: {
      summary: 'Rate-limit overrides (scope user, domain or ip); the rest comes from the configuration',
      parameters: [queryParam('scope', 'user, domain or ip')],
      responses: ok('overrides', { type: 'array', items: { type: 'object' } }),
    },
  },
  '/outbound/limits/{scope}/{key}': {
    put: {
      summary: 'Sets limits of one user, domain or client IP (null clears one, keeping the configured value)',
      parameters: [pathParam('scope'), pathParam('key')],
      requestBody: body(limits),
      responses: ok('the override'),
    },
    delete: {
      summary: 'Removes the overrides of one user, domain or client IP',
      parameters: [pathParam('scope'), pathParam('key')],
      responses: ok('removed'),
    },
  },
};
