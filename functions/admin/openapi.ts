/**
 * The admin API's OpenAPI 3.1 document, written by hand; test/e2e/web-admin.test.ts checks that
 * every route of adminRouter is documented here (and nothing else).
 */
import { body, created, int, json, ok, pathParam, queryParam, str } from './openapi-parts';
import { LIST_PATHS } from './openapi-lists';
import { SIEVE_PATHS } from './openapi-sieve';
import { OUTBOUND_PATHS } from './openapi-outbound';
import { RELAY_DOMAIN_PATHS } from './openapi-relay-domains';

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Nimbus Mail admin API',
    version: '1.0.0',
    description:
      'Administration of domains, users, aliases/forwards, quotas, security settings, DKIM keys, the spool and the configuration profile. Every call runs the same core/admin command as the `nimbus` CLI and is written to the audit log.',
  },
  servers: [{ url: '/api/admin' }],
  security: [{ bearer: [] }, { basic: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'token from POST /login' },
      basic: {
        type: 'http',
        scheme: 'basic',
        description: 'admin name and password; TLS (or loopback) only',
      },
    },
    schemas: {
      Error: { type: 'object', properties: { error: str, code: str }, required: ['error'] },
      AuditEntry: {
        type: 'object',
        description:
          'One change, from any path (CLI direct or through a node, admin API, webmail password change). Secrets are masked.',
        properties: {
          id: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          actor: {
            type: 'string',
            description: '`cli:<os user>`, the admin name, `user:<address>` or `system`',
          },
          action: str,
          target: { type: ['string', 'null'] },
          detail: { description: 'the command, redacted' },
          outcome: { type: 'string', description: '`ok`, or `error: <code>` for a refused change' },
          old_value: { description: 'the value before the change, where it makes sense' },
          new_value: { description: 'the value after the change, where it makes sense' },
        },
        required: ['id', 'at', 'actor', 'action', 'outcome'],
      },
    },
  },
  paths: {
    '/openapi.json': {
      get: {
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'OpenAPI document' } },
      },
    },
    '/login': {
      post: {
        summary: 'Exchange admin name and password for a bearer token (12 h)',
        security: [],
        requestBody: body({ name: str, password: str }, ['name', 'password']),
        responses: {
          '201': {
            description: 'token',
            ...json({
              type: 'object',
              properties: { token: str, tokenType: str, expiresIn: { type: 'integer' } },
            }),
          },
          '401': { description: 'invalid credentials' },
          '429': { description: 'throttled after repeated failures' },
        },
      },
    },
    '/logout': {
      post: { summary: 'Revoke the bearer token', responses: { '204': { description: 'revoked' } } },
    },
    '/audit': {
      get: {
        summary: 'Audit log, newest first',
        parameters: [queryParam('limit'), queryParam('before', 'entries with id below this')],
        responses: ok('entries', { type: 'array', items: { $ref: '#/components/schemas/AuditEntry' } }),
      },
    },
    '/domains': {
      get: { summary: 'List hosted domains', responses: ok('domains', { type: 'array' }) },
      post: {
        summary: 'Add a domain',
        requestBody: body({ name: str }, ['name']),
        responses: created('domain added'),
      },
    },
    '/domains/{name}': {
      delete: {
        summary: 'Remove a domain',
        parameters: [pathParam('name'), queryParam('force', 'true: also remove its accounts')],
        responses: ok('removed'),
      },
    },
    '/domains/{name}/catchall': {
      put: {
        summary: 'Set or clear (target null) the catch-all',
        parameters: [pathParam('name')],
        requestBody: body({ target: { type: ['string', 'null'] } }),
        responses: ok('set'),
      },
    },
    '/users': {
      get: {
        summary: 'List accounts',
        parameters: [queryParam('domain')],
        responses: ok('accounts', { type: 'array' }),
      },
      post: {
        summary: 'Add an account',
        requestBody: body({ address: str, password: str, quotaBytes: int }, ['address', 'password']),
        responses: created('account added'),
      },
    },
    '/users/{address}': {
      get: {
        summary: 'Show an account with its mailboxes and aliases',
        parameters: [pathParam('address')],
        responses: ok('account'),
      },
      delete: {
        summary: 'Remove an account and its mail',
        parameters: [pathParam('address')],
        responses: ok('removed'),
      },
    },
    '/users/{address}/password': {
      put: {
        summary: 'Set the password',
        parameters: [pathParam('address')],
        requestBody: body({ password: str }, ['password']),
        responses: ok('changed'),
      },
    },
    '/users/{address}/quota': {
      put: {
        summary: 'Set the quota (null: unlimited)',
        parameters: [pathParam('address')],
        requestBody: body({ quotaBytes: int }),
        responses: ok('changed'),
      },
    },
    '/aliases': {
      get: {
        summary: 'List aliases',
        parameters: [queryParam('domain')],
        responses: ok('aliases', { type: 'array' }),
      },
      post: {
        summary: 'Add an alias',
        requestBody: body({ source: str, targets: { type: 'array', items: str } }, ['source', 'targets']),
        responses: created('alias added'),
      },
    },
    '/aliases/{source}': {
      delete: {
        summary: 'Remove an alias (one target, or all)',
        parameters: [pathParam('source'), queryParam('target')],
        responses: ok('removed'),
      },
    },
    '/forwards': {
      get: {
        summary: 'List accounts that forward (their targets and whether they keep a copy)',
        parameters: [queryParam('domain')],
        responses: ok('forwarding', { type: 'array' }),
      },
    },
    '/users/{address}/forwarding': {
      get: {
        summary: "An account's forwarding",
        parameters: [pathParam('address')],
        responses: ok('forwarding'),
      },
      put: {
        summary: 'Set forwarding: local or remote targets (empty turns it off); keepCopy defaults to true',
        parameters: [pathParam('address')],
        requestBody: body({ targets: { type: 'array', items: str }, keepCopy: { type: 'boolean' } }, [
          'targets',
        ]),
        responses: ok('forwarding'),
      },
      delete: {
        summary: 'Turn forwarding off',
        parameters: [pathParam('address')],
        responses: ok('forwarding'),
      },
    },
    '/queue': {
      get: {
        summary: 'List spool jobs',
        parameters: [
          queryParam('queue', 'inbound | outbound'),
          queryParam('state', 'ready | leased | dead | hold'),
          queryParam('domain', 'with state hold: held mail for this recipient domain'),
          queryParam('account', 'with state hold: held mail of this sender'),
        ],
        responses: ok('jobs', { type: 'array' }),
      },
    },
    '/grants': {
      get: {
        summary: 'List shared-mailbox grants (IMAP ACLs set by users), by domain or account',
        parameters: [queryParam('domain'), queryParam('address')],
        responses: ok('grants', { type: 'array' }),
      },
    },
    '/grants/{id}': {
      delete: {
        summary: 'Remove one shared-mailbox grant',
        parameters: [pathParam('id')],
        responses: ok('removed grant'),
      },
    },
    '/queue/{id}': {
      get: { summary: 'Show a spool job', parameters: [pathParam('id')], responses: ok('job') },
      delete: {
        summary: 'Delete a spool job (its message is not delivered)',
        parameters: [pathParam('id')],
        responses: ok('deleted'),
      },
    },
    '/queue/{id}/retry': {
      post: {
        summary: 'Retry a waiting or dead job now',
        parameters: [pathParam('id')],
        responses: ok('retried'),
      },
    },
    '/security': {
      get: {
        summary: 'Effective security settings (global or per domain)',
        parameters: [queryParam('domain')],
        responses: ok('settings'),
      },
    },
    '/security/{key}': {
      put: {
        summary: 'Set a security setting',
        parameters: [pathParam('key')],
        requestBody: body({ value: {}, domain: str }, ['value']),
        responses: ok('set'),
      },
      delete: {
        summary: 'Unset a security setting',
        parameters: [pathParam('key'), queryParam('domain')],
        responses: ok('unset'),
      },
    },
    '/dkim/{domain}': {
      get: {
        summary: "The domain's DKIM key and DNS record",
        parameters: [pathParam('domain')],
        responses: ok('key'),
      },
      post: {
        summary: 'Generate a new DKIM key',
        parameters: [pathParam('domain')],
        requestBody: body({ selector: str }),
        responses: created('key generated'),
      },
    },
    '/cluster/nodes': { get: { summary: 'Cluster nodes, their roles and health', responses: ok('nodes') } },
    '/config': {
      get: {
        summary: 'Export the configuration profile (versioned JSON document)',
        responses: ok('profile'),
      },
      post: {
        summary: 'Import a configuration profile (idempotent; nothing is deleted)',
        requestBody: body({ format: str, version: { type: 'integer' } }, ['format', 'version']),
        responses: ok('counts'),
      },
    },
    ...SIEVE_PATHS,
    ...OUTBOUND_PATHS,
    ...RELAY_DOMAIN_PATHS,
    '/users/{address}/eas-devices': {
      get: {
        summary:
          "The account's ActiveSync devices: id, type, user agent, version, provisioned, last sync, wipe state (never policy keys)",
        parameters: [pathParam('address')],
        responses: ok('devices', { type: 'array', items: { type: 'object' } }),
      },
    },
    '/users/{address}/eas-devices/{deviceId}/wipe': {
      post: {
        summary:
          "Order a remote wipe at the device's next request; `accountOnly` wipes only this account (16.1 devices; 400 `invalid` for older ones)",
        parameters: [pathParam('address'), pathParam('deviceId')],
        requestBody: {
          required: false,
          ...json({ type: 'object', properties: { accountOnly: { type: 'boolean' } } }),
        },
        responses: ok('wipe pending (the device summary)'),
      },
    },
    '/users/{address}/eas-devices/{deviceId}': {
      delete: {
        summary: 'Forget an ActiveSync device and its sync state (it must provision again)',
        parameters: [pathParam('address'), pathParam('deviceId')],
        responses: ok('removed'),
      },
    },
    ...LIST_PATHS,
    '/admins': {
      post: {
        summary: 'Create an administrator or set its password',
        requestBody: body({ name: str, password: str }, ['name', 'password']),
        responses: created('saved'),
      },
    },
  },
} as const;
