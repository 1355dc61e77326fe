import { ok, no } from '../responses';
import { scriptNameArg } from '../script-name';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.10: the active script cannot be deleted. */
export const DELETESCRIPT: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 1) return ctx.error('Syntax: DELETESCRIPT name');
    const name = scriptNameArg(args[0]);
    if ('error' in name) return ctx.error(name.error);
    const result = await ctx.deps.scripts.remove(String(ctx.account!.id), name.name);
    if (result === 'ok') return ctx.send(ok());
    await ctx.send(
      result === 'active'
        ? no('The active script cannot be deleted', 'ACTIVE')
        : no('There is no script by that name', 'NONEXISTENT'),
    );
  },
};
