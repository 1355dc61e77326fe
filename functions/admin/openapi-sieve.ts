/** Admin API paths of Sieve scripts (docs/sieve.md), part of the OpenAPI document. */
import { body, ok, pathParam, str } from './openapi-parts';

export const SIEVE_PATHS = {
  '/users/{address}/sieve': {
    get: {
      summary: "The account's Sieve scripts (name, size, active, updated; docs/sieve.md)",
      parameters: [pathParam('address')],
      responses: ok('scripts', { type: 'array', items: { type: 'object' } }),
    },
  },
  '/users/{address}/sieve/{name}': {
    get: {
      summary: 'One Sieve script with its content',
      parameters: [pathParam('address'), pathParam('name')],
      responses: ok('script'),
    },
    put: {
      summary:
        'Stores (validated: a compile error is a 400 with line and column) and optionally activates a script',
      parameters: [pathParam('address'), pathParam('name')],
      requestBody: body({ content: str, activate: { type: 'boolean' } }, ['content']),
      responses: ok('stored'),
    },
    delete: {
      summary: 'Deletes a script (not the active one)',
      parameters: [pathParam('address'), pathParam('name')],
      responses: ok('deleted'),
    },
  },
  '/users/{address}/sieve-active': {
    put: {
      summary: 'Activates a script by name, or none with `name: null`',
      parameters: [pathParam('address')],
      requestBody: body({ name: { type: ['string', 'null'] } }, ['name']),
      responses: ok('activated'),
    },
  },
  '/domains/{domain}/sieve/{phase}': {
    get: {
      summary: "The domain's global script run `before` or `after` each user's",
      parameters: [pathParam('domain'), pathParam('phase')],
      responses: ok('script'),
    },
    put: {
      summary: "Stores the domain's global `before` or `after` script (validated)",
      parameters: [pathParam('domain'), pathParam('phase')],
      requestBody: body({ content: str }, ['content']),
      responses: ok('stored'),
    },
    delete: {
      summary: "Removes the domain's global script",
      parameters: [pathParam('domain'), pathParam('phase')],
      responses: ok('removed'),
    },
  },
} as const;
