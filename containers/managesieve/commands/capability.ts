import { ANY, type CommandHandler } from './context';

export const CAPABILITY: CommandHandler = {
  states: ANY,
  async run(ctx, args) {
    if (args.length > 0) return ctx.error('CAPABILITY takes no arguments');
    await ctx.send(ctx.capability());
  },
};
