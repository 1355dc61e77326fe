/**
 * JMAP push over EventSource (RFC 8620 §7.3). Mail types (Mailbox, Email, Thread) share the
 * MODSEQ state vector; calendars (Calendar, CalendarEvent) and address books (AddressBook,
 * ContactCard) have their own state from the PIM collections' revisions, so a CalDAV/CardDAV or
 * ActiveSync change reaches an open webmail calendar or contact list without a reload.
 */
import type { JmapAccount } from '../../core/jmap/context';
import { accountIdOf } from '../../core/jmap/ids';
import { accountState } from '../../core/jmap/state';
import { pimStates } from '../../core/pim/pim-state';
import type { WebContext } from '../web/context';
import type { WebResponse } from '../web/types';

const TYPE_GROUPS = {
  mail: ['Mailbox', 'Email', 'Thread'],
  calendars: ['Calendar', 'CalendarEvent'],
  addressbooks: ['AddressBook', 'ContactCard'],
} as const;
type Group = keyof typeof TYPE_GROUPS;

async function states(ctx: WebContext, accountId: number): Promise<Record<Group, string>> {
  const [mail, pim] = await Promise.all([accountState(ctx.db, accountId), pimStates(ctx.db, accountId)]);
  return { mail, ...pim };
}

export function eventSourceResponse(
  ctx: WebContext,
  account: JmapAccount,
  query: URLSearchParams,
): WebResponse {
  const types = (query.get('types') ?? '*').split(',');
  const closeAfter = query.get('closeafter') === 'state';
  const ping = Math.max(0, Math.min(3600, Number(query.get('ping') ?? 0) || 0));
  const want = (t: string) => types.includes('*') || types.includes(t);
  return {
    status: 200,
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
    stream: (sink) => {
      let last: Record<Group, string> | null = null;
      let timer: NodeJS.Timeout | null = null;
      const send = async () => {
        const now = await states(ctx, account.id);
        const before = last;
        last = now;
        if (!before) return;
        const changed: Record<string, string> = {};
        for (const group of Object.keys(TYPE_GROUPS) as Group[]) {
          if (now[group] === before[group]) continue;
          for (const t of TYPE_GROUPS[group]) if (want(t)) changed[t] = now[group];
        }
        if (Object.keys(changed).length === 0) return;
        sink.write(
          `event: state\ndata: ${JSON.stringify({ '@type': 'StateChange', changed: { [accountIdOf(account.id)]: changed } })}\n\n`,
        );
        if (closeAfter) sink.end();
      };
      const unsubscribe = ctx.events.subscribe(account.id, () => {
        // Coalesce bursts (a delivery batch publishes several events).
        if (timer) return;
        timer = setTimeout(() => {
          timer = null;
          void send().catch(() => undefined);
        }, 50);
      });
      const pinger =
        ping > 0
          ? setInterval(() => sink.write(`event: ping\ndata: {"interval":${ping}}\n\n`), ping * 1000)
          : null;
      void states(ctx, account.id).then((s) => {
        last ??= s;
        sink.write(': connected\n\n');
      });
      sink.onClose(() => {
        unsubscribe();
        if (pinger) clearInterval(pinger);
        if (timer) clearTimeout(timer);
      });
    },
  };
}
