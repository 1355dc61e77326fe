/**
 * The admin API's OpenAPI 3.1 document, written by hand; test/e2e/web-admin.test.ts checks that
 * every route of adminRouter is documented here (and nothing else).
 */
const json = (schema: object = { type: 'object' }) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema?: object) => ({
  '200': { description, ...json(schema) },
  '401': { description: 'admin authentication required', ...json({ $ref: '#/components/schemas/Error' }) },
  '404': { description: 'not found', ...json({ $ref: '#/components/schemas/Error' }) },
  '400': {
    description:
      'invalid input; `code` says which: `invalid`, `bad-address`, `bad-domain`, `weak-password` (the password policy refused it, the reason is in `error`), `alias-loop` (the alias or forward would make a loop, the path is in `error`)',
    ...json({ $ref: '#/components/schemas/Error' }),
  },
});
const created = (description: string) => ({ ...ok(description), '201': { description, ...json() } });
const body = (properties: Record<string, object>, required: string[] = []) => ({
  required: true,
  ...json({ type: 'object', properties, required }),
});
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const queryParam = (name: string, description = '') => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description,
});
const str = { type: 'string' };
const int = { type: ['integer', 'null'] };

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
    '/lists': {
      get: {
        summary: 'Mailing lists (optionally of one domain)',
        parameters: [queryParam('domain')],
        responses: ok('lists', { type: 'array', items: { type: 'object' } }),
      },
      post: {
        summary:
          'Create a list (409 `exists` when an account, alias or list owns the address or one of its -request/-join/-leave/-owner/-bounces/-confirm addresses)',
        requestBody: body(
          {
            address: str,
            name: str,
            description: str,
            owners: { type: 'array', items: str },
            moderators: { type: 'array', items: str },
            memberPolicy: str,
            moderatedPolicy: str,
            nonMemberPolicy: str,
            dmarcMitigation: str,
            archiveVisibility: str,
            digestSchedule: str,
            subjectPrefix: str,
            footer: str,
            replyTo: str,
            maxPostBytes: int,
          },
          ['address'],
        ),
        responses: created('the list'),
      },
    },
    '/lists/{list}': {
      get: {
        summary: 'A list with owners, moderators, allow list, member and held counts',
        parameters: [pathParam('list')],
        responses: ok('the list'),
      },
      patch: {
        summary: 'Change settings; `owners`, `moderators`, `allow` replace those lists',
        parameters: [pathParam('list')],
        requestBody: body({
          owners: { type: 'array', items: str },
          moderators: { type: 'array', items: str },
          allow: { type: 'array', items: str },
        }),
        responses: ok('the list'),
      },
      delete: {
        summary: 'Remove a list, its members and held posts',
        parameters: [pathParam('list')],
        responses: ok('removed'),
      },
    },
    '/lists/{list}/members': {
      get: {
        summary: 'One page of members (keyset: pass `next` as `cursor`)',
        parameters: [pathParam('list'), queryParam('cursor'), queryParam('limit', '1–10000, default 1000')],
        responses: ok('{ members, next }'),
      },
      post: {
        summary: 'Subscribe an address directly (no confirmation)',
        parameters: [pathParam('list')],
        requestBody: body(
          { address: str, displayName: str, deliveryMode: str, moderated: { type: 'boolean' } },
          ['address'],
        ),
        responses: created('the member'),
      },
    },
    '/lists/{list}/members/{member}': {
      delete: {
        summary: 'Unsubscribe a member',
        parameters: [pathParam('list'), pathParam('member')],
        responses: ok('removed'),
      },
    },
    '/lists/{list}/held': {
      get: {
        summary: 'Posts held for moderation',
        parameters: [pathParam('list')],
        responses: ok('held posts', { type: 'array', items: { type: 'object' } }),
      },
    },
    '/lists/{list}/held/{id}/approve': {
      post: {
        summary: 'Approve: the delivery role distributes it',
        parameters: [pathParam('list'), pathParam('id')],
        requestBody: { required: false, ...json({ type: 'object', properties: { reason: str } }) },
        responses: ok('the held post'),
      },
    },
    '/lists/{list}/held/{id}/reject': {
      post: {
        summary: 'Reject: the author is told (with `reason`)',
        parameters: [pathParam('list'), pathParam('id')],
        requestBody: { required: false, ...json({ type: 'object', properties: { reason: str } }) },
        responses: ok('the held post'),
      },
    },
    '/lists/{list}/held/{id}/discard': {
      post: {
        summary: 'Discard silently',
        parameters: [pathParam('list'), pathParam('id')],
        requestBody: { required: false, ...json({ type: 'object', properties: { reason: str } }) },
        responses: ok('the held post'),
      },
    },
    '/lists/{list}/held/{id}/defer': {
      post: {
        summary: 'Leave it held (no change)',
        parameters: [pathParam('list'), pathParam('id')],
        requestBody: { required: false, ...json({ type: 'object', properties: { reason: str } }) },
        responses: ok('the held post'),
      },
    },
    '/lists/{list}/archive.mbox': {
      get: {
        summary:
          "The list's archive as mboxrd (application/mbox), oldest first; when more remain, header X-Nimbus-Next-After is the `after` of the next page",
        parameters: [pathParam('list'), queryParam('after', 'continue after this archive position')],
        responses: ok('mbox file'),
      },
    },
    '/admins': {
      post: {
        summary: 'Create an administrator or set its password',
        requestBody: body({ name: str, password: str }, ['name', 'password']),
        responses: created('saved'),
      },
    },
  },
} as const;
