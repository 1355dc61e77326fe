import { ok } from '../responses';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.14: back to the non-authenticated state (TLS stays). */
export const UNAUTHENTICATE: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length > 0) return ctx.error('UNAUTHENTICATE takes no arguments');
    ctx.unauthenticate();
    await ctx.send(ok());
  },
};
