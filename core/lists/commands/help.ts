/** `help`: what LIST-request@ understands. */
import { roleAddress } from '../links';
import type { CommandContext } from './context';

export function help(ctx: CommandContext): void {
  const { list } = ctx;
  ctx.reply(
    [
      `Commands for ${list.address}, one a line in the subject or the body of a message to ${roleAddress(list, 'request')}:`,
      '  subscribe [address]    join the list (you confirm by replying to the confirmation)',
      '  unsubscribe [address]  leave the list (confirmed the same way)',
      '  confirm TOKEN          confirm a pending request',
      '  who                    the members (owners only)',
      '  help                   this text',
      `Also: write to ${roleAddress(list, 'join')} to join, ${roleAddress(list, 'leave')} to leave, ${roleAddress(list, 'owner')} to reach the owners.`,
    ].join('\r\n'),
  );
}
