/**
 * `who`: the member list, for owners only. The sender check relies on the MX's DMARC verdict
 * for the From address; the list is capped so a reply stays small.
 */
import { ListStore } from '../list-store';
import { MemberStore } from '../member-store';
import type { CommandContext } from './context';

export const WHO_LIMIT = 5000;

export async function who(ctx: CommandContext): Promise<void> {
  const owners = await new ListStore(ctx.deps.db).roles(ctx.list.id, 'owner');
  if (!owners.includes(ctx.sender)) return ctx.reply('who: only the list owners may see the members.');
  const members = new MemberStore(ctx.deps.db);
  const lines: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await members.page(ctx.list.id, { cursor, limit: 1000 });
    for (const m of page.members)
      lines.push(`  ${m.address}${m.deliveryMode === 'normal' ? '' : ` (${m.deliveryMode})`}`);
    cursor = page.next ?? undefined;
  } while (cursor && lines.length < WHO_LIMIT);
  const shown = lines.slice(0, WHO_LIMIT);
  ctx.reply(
    `who: ${shown.length} member(s)${lines.length > WHO_LIMIT ? ' (first ones only)' : ''}:\r\n${shown.join('\r\n')}`,
  );
}
