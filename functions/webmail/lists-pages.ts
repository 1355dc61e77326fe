/**
 * The public list pages under /webmail/lists/ (no login, the token is the authority):
 *   confirm/:token      GET shows what is confirmed and a button; POST confirms (double opt-in)
 *   unsubscribe/:token  GET shows a button; POST with List-Unsubscribe=One-Click unsubscribes
 *                       (RFC 8058: no cookie, no CSRF token, idempotent)
 *   moderate/:token     GET shows a held post's summary; POST action=approve|reject|discard
 * A GET never changes anything: mail scanners open every link they see.
 */
import type { ListSettings } from '../../core/lists/deps';
import { requestDecision, ModerationError } from '../../core/lists/moderation';
import { confirmToken } from '../../core/lists/subscription';
import { heldOf, oneClickUnsubscribe, pendingOf, unsubscribeTarget } from '../../core/lists/web-actions';
import type { WebContext } from '../web/context';
import type { Router, WebRequest, WebResponse } from '../web/types';

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const MAX_FORM = 4096;

export const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function page(status: number, title: string, html: string): WebResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
    body: Buffer.from(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>` +
        `<meta name="viewport" content="width=device-width"></head>` +
        `<body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>${escape(title)}</h1>${html}</body></html>`,
      'utf8',
    ),
  };
}

const button = (label: string, fields: Record<string, string>) =>
  `<form method="post">${Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
    .join('')}<button type="submit">${escape(label)}</button></form>`;

/** The fields of an urlencoded or multipart/form-data body (RFC 8058 allows both), bounded. */
export function formFields(request: WebRequest): Map<string, string> {
  const fields = new Map<string, string>();
  if (request.body.length > MAX_FORM) return fields;
  const text = request.body.toString('utf8');
  const type = (request.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const re =
      /content-disposition:\s*form-data;\s*name="([^"]{1,100})"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/gi;
    for (let m = re.exec(text); m; m = re.exec(text)) fields.set(m[1], m[2]);
    return fields;
  }
  for (const [k, v] of new URLSearchParams(text)) if (!fields.has(k)) fields.set(k, v);
  return fields;
}

const UNAVAILABLE = page(
  503,
  'Mailing lists unavailable',
  '<p>Mailing lists are not configured on this server.</p>',
);
const INVALID = page(404, 'Link expired', '<p>This link is unknown, already used or expired.</p>');

export function addListPages(router: Router, ctx: WebContext): void {
  const token = (r: WebRequest) => r.params?.token ?? '';
  const settings = (): ListSettings | null => ctx.lists ?? null;
  const now = () => new Date();

  router.add('GET', '/webmail/lists/confirm/:token', async (r) => {
    const s = settings();
    if (!s) return UNAVAILABLE;
    const found = await pendingOf(ctx.db, s, token(r), now());
    if (!found) return INVALID;
    const { list, pending } = found;
    const verb = pending.action === 'subscribe' ? 'Subscribe' : 'Unsubscribe';
    return page(
      200,
      `${verb}: ${list.name}`,
      `<p>${escape(verb)} <b>${escape(pending.address)}</b> ${pending.action === 'subscribe' ? 'to' : 'from'} ${escape(list.address)}?</p>${button(`Confirm`, { confirm: 'yes' })}`,
    );
  });

  router.add('POST', '/webmail/lists/confirm/:token', async (r) => {
    const s = settings();
    if (!s || !ctx.acceptor) return UNAVAILABLE;
    const cause = { queueId: `web-confirm.${token(r).slice(-16)}` };
    const outcome = await confirmToken(
      { db: ctx.db, acceptor: ctx.acceptor, settings: s, now },
      token(r),
      cause,
    );
    if (outcome.kind === 'invalid') return INVALID;
    if (outcome.kind === 'subscribed')
      return page(
        200,
        `Welcome to ${outcome.list.name}`,
        `<p>${escape(outcome.member.address)} is now subscribed to ${escape(outcome.list.address)}.</p>`,
      );
    return page(
      200,
      `Unsubscribed`,
      `<p>${escape(outcome.address)} has left ${escape(outcome.list.address)}.</p>`,
    );
  });

  router.add('GET', '/webmail/lists/unsubscribe/:token', async (r) => {
    const s = settings();
    if (!s) return UNAVAILABLE;
    const target = await unsubscribeTarget(ctx.db, s, token(r), now());
    if (target.kind === 'invalid') return INVALID;
    if (target.kind === 'gone')
      return page(200, 'Unsubscribed', `<p>You are not subscribed to ${escape(target.list.address)}.</p>`);
    return page(
      200,
      `Unsubscribe from ${target.list.name}`,
      `<p>Stop mail from ${escape(target.list.address)} to <b>${escape(target.member.address)}</b>?</p>${button('Unsubscribe', { 'List-Unsubscribe': 'One-Click' })}`,
    );
  });

  router.add('POST', '/webmail/lists/unsubscribe/:token', async (r) => {
    const s = settings();
    if (!s) return UNAVAILABLE;
    if (formFields(r).get('List-Unsubscribe') !== 'One-Click')
      return page(400, 'Bad request', '<p>Expected List-Unsubscribe=One-Click (RFC 8058).</p>');
    const target = await oneClickUnsubscribe(ctx.db, s, token(r), now());
    if (target.kind === 'invalid') return INVALID;
    return page(200, 'Unsubscribed', `<p>You will get no more mail from ${escape(target.list.address)}.</p>`);
  });

  router.add('GET', '/webmail/lists/moderate/:token', async (r) => {
    const s = settings();
    if (!s) return UNAVAILABLE;
    const found = await heldOf(ctx.db, s, token(r), now());
    if (!found) return INVALID;
    const { list, held } = found;
    if (held.decision !== null)
      return page(200, 'Already decided', `<p>This post was decided already: ${escape(held.decision)}.</p>`);
    return page(
      200,
      `Held post on ${list.name}`,
      `<p>From <b>${escape(held.sender)}</b>: ${escape(held.subject)}<br>Reason: ${escape(held.reason)}</p>` +
        ['approve', 'reject', 'discard']
          .map((a) => button(a[0].toUpperCase() + a.slice(1), { action: a }))
          .join(''),
    );
  });

  router.add('POST', '/webmail/lists/moderate/:token', async (r) => {
    const s = settings();
    if (!s) return UNAVAILABLE;
    const found = await heldOf(ctx.db, s, token(r), now());
    if (!found) return INVALID;
    const action = formFields(r).get('action');
    if (action !== 'approve' && action !== 'reject' && action !== 'discard')
      return page(400, 'Bad request', '<p>action must be approve, reject or discard.</p>');
    try {
      await requestDecision(ctx, found.list, found.held.id, action, 'web:moderation-link');
    } catch (error) {
      if (error instanceof ModerationError)
        return page(409, 'Already decided', `<p>${escape(error.message)}</p>`);
      throw error;
    }
    return page(
      200,
      'Done',
      `<p>The post from ${escape(found.held.sender)} will be ${action === 'approve' ? 'distributed' : `${action}ed`}.</p>`,
    );
  });
}
