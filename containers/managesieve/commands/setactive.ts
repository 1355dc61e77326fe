import { ok, no } from '../responses';
import { scriptNameArg, textArg } from '../script-name';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.8: activate a script; the empty name deactivates whatever is active. */
export const SETACTIVE: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 1) return ctx.error('Syntax: SETACTIVE name');
    let name: string | null = null;
    if (textArg(args[0]) !== '') {
      const parsed = scriptNameArg(args[0]);
      if ('error' in parsed) return ctx.error(parsed.error);
      name = parsed.name;
    }
    const result = await ctx.deps.scripts.setActive(String(ctx.account!.id), name);
    await ctx.send(result === 'ok' ? ok() : no('There is no script by that name', 'NONEXISTENT'));
  },
};
