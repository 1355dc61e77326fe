import { ok } from '../responses';
import { ANY, type CommandHandler } from './context';

export const LOGOUT: CommandHandler = {
  states: ANY,
  async run(ctx, args) {
    if (args.length > 0) return ctx.error('LOGOUT takes no arguments');
    await ctx.send(ok('Logout completed'));
    ctx.logout();
  },
};
