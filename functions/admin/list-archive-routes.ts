/**
 * GET /api/admin/lists/{list}/archive.mbox: a list's archive as mboxrd (application/mbox), for
 * `nimbus list archive-export` and operators. Large archives come in pages: when more remain,
 * the answer carries X-Nimbus-Next-After, to be passed back as ?after=. Every export is audited.
 */
import { exportMboxPage, findArchiveList } from '../../core/lists/archive';
import { audit } from '../../core/webadmin/admins';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router } from '../web/types';
import { authenticate } from './admin-auth';

export const NEXT_AFTER_HEADER = 'x-nimbus-next-after';

export function addListArchiveAdminRoutes(
  router: Router,
  ctx: WebContext,
  p: (path: string) => string,
): void {
  router.add('GET', p('/lists/:list/archive.mbox'), async (request) => {
    const admin = await authenticate(ctx, request);
    if ('error' in admin) return jsonResponse(admin.status, { error: admin.error });
    const address = request.params?.list ?? '';
    const list = await findArchiveList(ctx.db, address);
    if (!list) return jsonResponse(404, { error: `no list ${address}`, code: 'not-found' });
    const after = request.query.get('after') ?? undefined;
    if (after !== undefined && !/^[0-9]{1,18}$/.test(after))
      return jsonResponse(400, { error: 'after must be a number', code: 'invalid' });
    const page = await exportMboxPage(ctx.db, ctx.blobs, list.id, { after });
    await audit(ctx.db, {
      actor: admin.name,
      action: 'list.archive.export',
      target: list.address,
      outcome: 'ok',
      detail: { after: after ?? null, messages: page.count },
    });
    return {
      status: 200,
      headers: {
        'content-type': 'application/mbox',
        'content-disposition': `attachment; filename="${list.address.replace(/[^A-Za-z0-9@._-]/g, '_')}.mbox"`,
        'cache-control': 'no-store',
        'x-nimbus-messages': String(page.count),
        ...(page.next ? { [NEXT_AFTER_HEADER]: page.next } : {}),
      },
      body: page.data,
    };
  });
}
