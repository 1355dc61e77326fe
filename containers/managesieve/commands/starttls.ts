import { ok } from '../responses';
import { UNAUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.2: OK, the handshake, then the capabilities again (the session sends them). */
export const STARTTLS: CommandHandler = {
  states: UNAUTHENTICATED,
  async run(ctx, args) {
    if (args.length > 0) return ctx.error('STARTTLS takes no arguments');
    if (ctx.secure) return ctx.error('TLS is already active');
    await ctx.send(ok('Begin TLS negotiation'));
    ctx.startTls();
  },
};
