import { ok, no } from '../responses';
import { scriptNameArg } from '../script-name';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.11: rename, keeping the active flag. */
export const RENAMESCRIPT: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 2) return ctx.error('Syntax: RENAMESCRIPT old-name new-name');
    const from = scriptNameArg(args[0]);
    if ('error' in from) return ctx.error(from.error);
    const to = scriptNameArg(args[1]);
    if ('error' in to) return ctx.error(to.error);
    const result = await ctx.deps.scripts.rename(String(ctx.account!.id), from.name, to.name);
    if (result === 'ok') return ctx.send(ok());
    await ctx.send(
      result === 'exists'
        ? no('A script by the new name exists', 'ALREADYEXISTS')
        : no('There is no script by that name', 'NONEXISTENT'),
    );
  },
};
