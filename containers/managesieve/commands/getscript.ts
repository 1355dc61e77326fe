import { ok, no } from '../responses';
import { scriptNameArg } from '../script-name';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.9: the script as a literal, then OK. */
export const GETSCRIPT: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 1) return ctx.error('Syntax: GETSCRIPT name');
    const name = scriptNameArg(args[0]);
    if ('error' in name) return ctx.error(name.error);
    const script = await ctx.deps.scripts.get(String(ctx.account!.id), name.name);
    if (!script) return ctx.send(no('There is no script by that name', 'NONEXISTENT'));
    await ctx.send(`{${Buffer.byteLength(script.content, 'utf8')}}\r\n${script.content}\r\n${ok()}`);
  },
};
