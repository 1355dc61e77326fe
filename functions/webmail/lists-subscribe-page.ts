/**
 * The public subscribe page of a list, /webmail/lists/:list/subscribe (no login): GET shows a
 * form, POST starts the same double opt-in as mail to LIST-join@ (a confirmation to the address,
 * confirmed by reply or by the link). The answer is the same whether or not the address is a
 * member already (the page tells nobody who is on the list), and one address gets at most one
 * confirmation per list every ten minutes, so the form cannot be used to flood someone's inbox.
 */
import { randomBytes } from 'node:crypto';
import { AddressError, parseAddress } from '../../core/mail/address';
import { ListStore } from '../../core/lists/list-store';
import { MemberStore } from '../../core/lists/member-store';
import { requestConfirmation } from '../../core/lists/subscription';
import type { WebContext } from '../web/context';
import type { Router, WebRequest } from '../web/types';
import { escape, formFields, page } from './lists-pages';

const RESEND_MINUTES = 10;

const form = (error = '') =>
  `${error ? `<p role="alert" style="color:#a00">${escape(error)}</p>` : ''}<form method="post">` +
  `<label>Your address <input type="email" name="address" required maxlength="254"></label> ` +
  `<button type="submit">Subscribe</button></form>`;

export function addListSubscribePage(router: Router, ctx: WebContext): void {
  const findList = async (r: WebRequest) =>
    new ListStore(ctx.db).get((r.params?.list ?? '').toLowerCase().slice(0, 320));
  const missing = page(404, 'No such list', '<p>There is no mailing list at this address.</p>');

  router.add('GET', '/webmail/lists/:list/subscribe', async (r) => {
    const list = await findList(r);
    if (!list) return missing;
    const about = list.description ? `<p>${escape(list.description)}</p>` : '';
    return page(200, `Subscribe to ${list.name}`, `${about}<p>${escape(list.address)}</p>${form()}`);
  });

  router.add('POST', '/webmail/lists/:list/subscribe', async (r) => {
    const settings = ctx.lists;
    if (!settings || !ctx.acceptor)
      return page(
        503,
        'Mailing lists unavailable',
        '<p>Mailing lists are not configured on this server.</p>',
      );
    const list = await findList(r);
    if (!list) return missing;
    let address: string;
    try {
      address = parseAddress((formFields(r).get('address') ?? '').trim(), {
        utf8: true,
      }).address.toLowerCase();
    } catch (error) {
      if (!(error instanceof AddressError)) throw error;
      return page(400, `Subscribe to ${list.name}`, form('That is not an email address.'));
    }
    const member = await new MemberStore(ctx.db).get(list.id, address);
    const recent = await ctx.db.query(
      `SELECT 1 FROM list_pending WHERE list_id = $1 AND address = $2 AND action = 'subscribe'
         AND created_at > now() - make_interval(mins => $3) LIMIT 1`,
      [list.id, address, RESEND_MINUTES],
    );
    if (!member && recent.rows.length === 0)
      await requestConfirmation(
        { db: ctx.db, acceptor: ctx.acceptor, settings, now: () => new Date() },
        list,
        { action: 'subscribe', address },
        { queueId: `web-subscribe.${randomBytes(8).toString('hex')}` },
      );
    return page(
      200,
      'Check your mail',
      `<p>If ${escape(address)} can join ${escape(list.address)}, a message asking you to confirm is on its way. ` +
        `Reply to it or open its link; nothing changes until you do.</p>`,
    );
  });
}
