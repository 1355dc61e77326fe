import { multiline } from '../responses';
import type { CommandHandler } from './context';

/** RFC 2449 CAPA: what this connection offers in its current state. */
export const CAPA: CommandHandler = {
  states: ['authorization', 'transaction'],
  async run(ctx, command) {
    if (command.args.length > 0) return ctx.error('CAPA takes no arguments');
    const lines = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER'];
    if (ctx.state === 'authorization') {
      if (!ctx.secure) lines.push('STLS');
      // Hidden until TLS so clients never offer a password in clear (RFC 2595 §2).
      if (ctx.authAllowed()) lines.push('USER', 'SASL PLAIN');
    }
    lines.push('IMPLEMENTATION Nimbus-Mail');
    await ctx.send(multiline('Capability list follows', lines));
  },
};

export const QUIT: CommandHandler = {
  states: ['authorization', 'transaction'],
  run(ctx) {
    return ctx.quit();
  },
};
