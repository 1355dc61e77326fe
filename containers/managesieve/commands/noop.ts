import { ok, sieveString } from '../responses';
import { textArg } from '../script-name';
import { ANY, type CommandHandler } from './context';

/** RFC 5804 §2.13: an optional tag string is echoed in a TAG response code. */
export const NOOP: CommandHandler = {
  states: ANY,
  async run(ctx, args) {
    if (args.length > 1) return ctx.error('Syntax: NOOP [tag]');
    if (args.length === 0) return ctx.send(ok('Done'));
    const tag = textArg(args[0]);
    if (tag === null) return ctx.error('NOOP tag must be a string');
    await ctx.send(ok('Done', `TAG ${sieveString(tag)}`));
  },
};
