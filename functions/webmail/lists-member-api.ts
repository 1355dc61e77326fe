/**
 * Mailing lists for the logged-in user (JSON under /webmail/api/lists, session cookie):
 * the lists they belong to or run, their own member options (delivery mode) and leaving, and,
 * for a list's owners and moderators, the moderation queue with approve, reject, discard and
 * defer.
 * Decisions go through core/lists/moderation like the admin API and the moderation link, so a
 * post is decided once whichever way comes first (409 for the others).
 */
import { ModerationError, requestDecision } from '../../core/lists/moderation';
import { HeldStore } from '../../core/lists/held-store';
import { ListStore } from '../../core/lists/list-store';
import { MemberStore } from '../../core/lists/member-store';
import type { DeliveryMode, MailingList } from '../../core/lists/types';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router, type WebRequest } from '../web/types';
import { fail, guarded, jsonBody, sessionUser, type SessionUser } from './pim-session';

const MODES: readonly DeliveryMode[] = ['normal', 'digest', 'nomail'];
const DECISIONS = ['approve', 'reject', 'discard'] as const;
type Role = 'owner' | 'moderator';

/** Lists where the user is a member or has a role (one query; the roles aggregated). */
async function myLists(ctx: WebContext, user: SessionUser) {
  const rows = await ctx.db.query<{
    id: string;
    address: string;
    name: string;
    description: string;
    archive_visibility: string;
    delivery_mode: DeliveryMode | null;
    roles: string | null;
    held: number | string;
  }>(
    `SELECT l.id, l.address, l.name, l.description, l.archive_visibility, m.delivery_mode,
            (SELECT string_agg(r.role, ',' ORDER BY r.role) FROM list_roles r
              WHERE r.list_id = l.id AND r.address = $1) AS roles,
            (SELECT count(*) FROM list_held h WHERE h.list_id = l.id AND h.done_at IS NULL
              AND h.decision IS NULL) AS held
       FROM lists l LEFT JOIN list_members m ON m.list_id = l.id AND m.address = $1
      WHERE m.id IS NOT NULL OR EXISTS (SELECT 1 FROM list_roles r WHERE r.list_id = l.id AND r.address = $1)
      ORDER BY l.address`,
    [user.address.toLowerCase()],
  );
  return rows.rows.map((r) => {
    const roles = (r.roles ? r.roles.split(',') : []) as Role[];
    return {
      address: r.address,
      name: r.name,
      description: r.description,
      archive: r.archive_visibility,
      member: r.delivery_mode !== null,
      deliveryMode: r.delivery_mode,
      roles,
      // Only the people who can act on them see how many posts wait.
      held: roles.length > 0 ? Number(r.held) : undefined,
    };
  });
}

async function listOf(ctx: WebContext, request: WebRequest): Promise<MailingList> {
  const list = await new ListStore(ctx.db).get((request.params?.list ?? '').toLowerCase());
  return list ?? fail(404, 'no such list');
}

/** Owners and moderators run the queue; everybody else gets 403 (the list exists for them). */
async function requireModerator(ctx: WebContext, list: MailingList, user: SessionUser): Promise<void> {
  const lists = new ListStore(ctx.db);
  const address = user.address.toLowerCase();
  const [owners, moderators] = await Promise.all([lists.roles(list.id, 'owner'), lists.moderators(list.id)]);
  if (!owners.includes(address) && !moderators.includes(address))
    fail(403, 'only the list owners and moderators see held posts');
}

export function addListMemberRoutes(router: Router, ctx: WebContext): void {
  router.add(
    'GET',
    '/webmail/api/lists',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      return jsonResponse(200, { lists: await myLists(ctx, user) });
    }),
  );
  router.add(
    'PUT',
    '/webmail/api/lists/:list/membership',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const list = await listOf(ctx, request);
      const mode = jsonBody(ctx, request).deliveryMode;
      if (typeof mode !== 'string' || !MODES.includes(mode as DeliveryMode))
        fail(400, `deliveryMode is one of ${MODES.join(', ')}`);
      const member = await new MemberStore(ctx.db).setOptions(list.id, user.address, {
        deliveryMode: mode as DeliveryMode,
      });
      if (!member) fail(404, 'you are not a member of this list');
      return jsonResponse(200, { address: list.address, deliveryMode: mode });
    }),
  );
  router.add(
    'DELETE',
    '/webmail/api/lists/:list/membership',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const list = await listOf(ctx, request);
      if (!(await new MemberStore(ctx.db).remove(list.id, user.address)))
        fail(404, 'you are not a member of this list');
      return jsonResponse(200, { address: list.address, left: true });
    }),
  );
  router.add(
    'GET',
    '/webmail/api/lists/:list/held',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const list = await listOf(ctx, request);
      await requireModerator(ctx, list, user);
      const posts = await new HeldStore(ctx.db).open(list.id);
      return jsonResponse(200, {
        held: posts
          .filter((p) => p.decision === null)
          .map((p) => ({
            id: p.id,
            sender: p.sender,
            subject: p.subject,
            reason: p.reason,
            heldAt: p.heldAt,
          })),
      });
    }),
  );
  router.add(
    'POST',
    '/webmail/api/lists/:list/held/:id',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const list = await listOf(ctx, request);
      await requireModerator(ctx, list, user);
      const body = jsonBody(ctx, request);
      const action = body.action;
      if (typeof action !== 'string' || ![...DECISIONS, 'defer'].includes(action))
        fail(400, `action is one of ${DECISIONS.join(', ')}, defer`);
      const id = request.params?.id ?? '';
      if (!/^[0-9]{1,18}$/.test(id)) fail(404, 'no such held post');
      const held = await new HeldStore(ctx.db).get(id);
      if (!held || held.listId !== list.id) fail(404, 'no such held post');
      // Defer is Mailman's "decide later": nothing is recorded, the post stays in the queue.
      if (action === 'defer') return jsonResponse(200, { id: held!.id, decision: null, deferred: true });
      const reason = typeof body.reason === 'string' ? body.reason.slice(0, 500) : null;
      try {
        await requestDecision(
          ctx,
          list,
          held!.id,
          action as (typeof DECISIONS)[number],
          `webmail:${user.address}`,
          reason,
        );
      } catch (error) {
        if (error instanceof ModerationError) fail(409, error.message);
        throw error;
      }
      return jsonResponse(200, { id: held!.id, decision: action });
    }),
  );
}
