/** Admin API paths of mailing lists (docs/lists.md), part of the OpenAPI document. */
import { body, created, int, json, ok, pathParam, queryParam, str } from './openapi-parts';

export const LIST_PATHS = {
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
} as const;
