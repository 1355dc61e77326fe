/** `confirm TOKEN` (also what a reply to LIST-confirm+TOKEN@ runs). */
import { confirmToken } from '../subscription';
import type { CommandContext, ListCommand } from './context';

export async function confirm(ctx: CommandContext, command: ListCommand): Promise<void> {
  const token = command.args[0] ?? '';
  const outcome = await confirmToken(ctx.deps, token, { queueId: ctx.queueId });
  if (outcome.kind === 'invalid') ctx.reply('confirm: this token is unknown, already used or expired.');
  // Success is announced by the welcome / goodbye message itself.
}
