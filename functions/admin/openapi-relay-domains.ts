/** Admin API paths of relay domains and ETRN queues (docs/etrn.md), part of the OpenAPI document. */
import { body, ok, pathParam, queryParam, str } from './openapi-parts';

const list = { type: 'array', items: { type: 'string' } };

export const RELAY_DOMAIN_PATHS = {
  '/relay-domains': {
    get: {
      summary: 'Relay domains (hold = store and forward until ETRN, backup = backup MX) with held counts',
      responses: ok('relay domains', { type: 'array', items: { type: 'object' } }),
    },
  },
  '/relay-domains/{name}': {
    get: {
      summary: 'One relay domain and how many of its messages are held',
      parameters: [pathParam('name')],
      responses: ok('relay domain'),
    },
    put: {
      summary:
        'Adds or replaces a relay domain: mode, deliverTo (HOST:PORT), ETRN networks and owner, recipients (audited)',
      parameters: [pathParam('name')],
      requestBody: body({
        mode: { type: 'string', enum: ['hold', 'backup'] },
        deliverTo: str,
        etrnNetworks: list,
        etrnOwner: str,
        recipients: list,
      }),
      responses: ok('stored'),
    },
    delete: {
      summary: 'Removes a relay domain (its held mail stays until flushed; audited)',
      parameters: [pathParam('name')],
      responses: ok('removed'),
    },
  },
  '/relay-domains/{name}/flush': {
    post: {
      summary: "Releases the domain's held mail to the relay, like ETRN (audited)",
      parameters: [pathParam('name'), queryParam('subdomains', '`true`: its subdomains too (ETRN @domain)')],
      responses: ok('released'),
    },
  },
} as const;
