/**
 * List archives in the webmail (JSON under /webmail/api/lists/:list/archive, session cookie):
 * the months, one month's posts, search (subject, from, body, anywhere), one post's metadata
 * and its sanitised rendering; and the Archived-At permalink page /webmail/lists/:list/archive/:id.
 * Public archives need no session; members-only ones a member's (owners and moderators always).
 * Unknown list or post: 404; not logged in: 401; logged in but not allowed: 403.
 */
import {
  archiveAccess,
  archivedPost,
  archiveMonth,
  archiveMonths,
  findArchiveList,
  searchArchive,
  type ArchiveListRow,
} from '../../core/lists/archive';
import { ARCHIVE_ID } from '../../core/lists/archive/permalink';
import { ARCHIVE_LIMITS, type ArchiveQuery } from '../../core/lists/archive/archive-read';
import { parseCookies } from '../web/types';
import { SESSION_COOKIE } from '../web/auth';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router, type WebRequest, type WebResponse } from '../web/types';
import { fail, guarded, sessionUser } from './pim-session';
import { renderArchivedPost } from './list-archive-render';
import { mailDocumentCsp } from './render';

/** The session's address, or null without a session cookie (a public archive's visitor). */
async function reader(ctx: WebContext, request: WebRequest): Promise<string | null> {
  if (!parseCookies(request.headers.cookie)[SESSION_COOKIE]) return null;
  return (await sessionUser(ctx, request)).address;
}

async function readableList(ctx: WebContext, request: WebRequest): Promise<ArchiveListRow> {
  const list = await findArchiveList(ctx.db, request.params?.list ?? '');
  if (!list) return fail(404, 'no such list');
  const access = await archiveAccess(ctx.db, list, await reader(ctx, request));
  if (access === 'login') return fail(401, 'log in to read this archive');
  if (access === 'forbidden') return fail(403, 'this archive is for list members');
  return list;
}

function query(request: WebRequest): ArchiveQuery {
  const get = (name: string): string | undefined => {
    const value = (request.query.get(name) ?? '').trim();
    if (value.length > ARCHIVE_LIMITS.maxQuery)
      fail(400, `${name} is longer than ${ARCHIVE_LIMITS.maxQuery} characters`);
    return value || undefined;
  };
  const q = { subject: get('subject'), from: get('from'), body: get('body'), text: get('q') };
  if (!q.subject && !q.from && !q.body && !q.text) fail(400, 'give q, subject, from or body');
  return q;
}

const limit = (request: WebRequest): number | undefined => {
  const value = request.query.get('limit');
  return value && /^[0-9]{1,4}$/.test(value) ? Number(value) : undefined;
};

const postId = (request: WebRequest): string => {
  const id = request.params?.id ?? '';
  return ARCHIVE_ID.test(id) ? id : fail(404, 'no such post');
};

async function renderedPage(ctx: WebContext, request: WebRequest): Promise<WebResponse> {
  const list = await readableList(ctx, request);
  const found = await archivedPost(ctx.db, ctx.blobs, list.id, postId(request));
  if (!found) return fail(404, 'no such post');
  const images = request.query.get('images') === '1';
  const rendered = renderArchivedPost(list, found, images);
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': mailDocumentCsp(images),
      'cache-control': list.visibility === 'public' ? 'public, max-age=300' : 'private, no-store',
      'x-blocked-images': String(rendered.blockedImages),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: rendered.doc,
  };
}

export function addListArchiveRoutes(router: Router, ctx: WebContext): void {
  const base = '/webmail/api/lists/:list/archive';
  router.add(
    'GET',
    base,
    guarded(async (request) => {
      const list = await readableList(ctx, request);
      return jsonResponse(200, {
        list: { address: list.address, name: list.name, visibility: list.visibility },
        months: await archiveMonths(ctx.db, list.id),
      });
    }),
  );
  router.add(
    'GET',
    `${base}/months/:month`,
    guarded(async (request) => {
      const list = await readableList(ctx, request);
      const month = request.params?.month ?? '';
      if (!/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(month)) fail(400, 'a month is YYYY-MM');
      const after = request.query.get('after') ?? undefined;
      return jsonResponse(200, await archiveMonth(ctx.db, list.id, month, { after, limit: limit(request) }));
    }),
  );
  router.add(
    'GET',
    `${base}/search`,
    guarded(async (request) => {
      const list = await readableList(ctx, request);
      return jsonResponse(200, {
        entries: await searchArchive(ctx.db, list.id, query(request), { limit: limit(request) }),
      });
    }),
  );
  router.add(
    'GET',
    `${base}/messages/:id`,
    guarded(async (request) => {
      const list = await readableList(ctx, request);
      const found = await archivedPost(ctx.db, ctx.blobs, list.id, postId(request));
      if (!found) return fail(404, 'no such post');
      const { raw: _raw, structure, ...entry } = found;
      void _raw;
      return jsonResponse(200, {
        ...entry,
        to: structure.envelope.to,
        inReplyTo: structure.envelope.inReplyTo,
      });
    }),
  );
  router.add(
    'GET',
    `${base}/messages/:id/render`,
    guarded((request) => renderedPage(ctx, request)),
  );
  // The Archived-At permalink (RFC 5064): the post itself, sanitised like every rendered mail.
  router.add(
    'GET',
    '/webmail/lists/:list/archive/:id',
    guarded((request) => renderedPage(ctx, request)),
  );
}
