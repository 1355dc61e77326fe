/** `subscribe [address]`: starts the double opt-in for the sender (or the address given). */
import { requestConfirmation } from '../subscription';
import type { CommandContext, ListCommand } from './context';
import { addressArg } from './address-arg';

export async function subscribe(ctx: CommandContext, command: ListCommand): Promise<void> {
  const address = addressArg(command, ctx.sender);
  if (!address) return ctx.reply(`subscribe: "${command.args[0]}" is not an address.`);
  await requestConfirmation(ctx.deps, ctx.list, { action: 'subscribe', address }, { queueId: ctx.queueId });
  ctx.reply(`subscribe: a confirmation was sent to ${address}.`);
}
