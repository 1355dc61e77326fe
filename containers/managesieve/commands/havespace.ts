import { ok, no } from '../responses';
import { numberArg, scriptNameArg } from '../script-name';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.5: would a script of this size under this name fit the quotas? */
export const HAVESPACE: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 2) return ctx.error('Syntax: HAVESPACE name size');
    const name = scriptNameArg(args[0]);
    if ('error' in name) return ctx.error(name.error);
    const size = numberArg(args[1]);
    if (size === null) return ctx.error('Size must be a number');
    const { scripts } = ctx.deps;
    if (size > scripts.limits.maxScriptBytes)
      return ctx.send(no(`Scripts are limited to ${scripts.limits.maxScriptBytes} octets`, 'QUOTA/MAXSIZE'));
    const existing = await scripts.list(String(ctx.account!.id));
    const replaces = existing.some((script) => script.name === name.name);
    if (!replaces && existing.length >= scripts.limits.maxScripts)
      return ctx.send(no(`At most ${scripts.limits.maxScripts} scripts`, 'QUOTA/MAXSCRIPTS'));
    await ctx.send(ok());
  },
};
