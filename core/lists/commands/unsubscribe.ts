/**
 * `unsubscribe [address]`: confirmed by the address itself, so nobody can remove someone else.
 * The answer is the same whether or not the address is a member (membership stays private).
 */
import { MemberStore } from '../member-store';
import { requestConfirmation } from '../subscription';
import { addressArg } from './address-arg';
import type { CommandContext, ListCommand } from './context';

export async function unsubscribe(ctx: CommandContext, command: ListCommand): Promise<void> {
  const address = addressArg(command, ctx.sender);
  if (!address) return ctx.reply(`unsubscribe: "${command.args[0]}" is not an address.`);
  if (await new MemberStore(ctx.deps.db).get(ctx.list.id, address))
    await requestConfirmation(
      ctx.deps,
      ctx.list,
      { action: 'unsubscribe', address },
      { queueId: ctx.queueId },
    );
  ctx.reply(`unsubscribe: if ${address} is a member, a confirmation was sent to it.`);
}
