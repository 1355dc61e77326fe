import { ok, no } from '../responses';
import { scriptNameArg } from '../script-name';
import { AUTHENTICATED, type CommandHandler } from './context';
import { compileErrorText, scriptArg } from './script-result';

/** RFC 5804 §2.6: store (or replace) a script after it compiles; the active flag is kept. */
export const PUTSCRIPT: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 2) return ctx.error('Syntax: PUTSCRIPT name script');
    const name = scriptNameArg(args[0]);
    if ('error' in name) return ctx.error(name.error);
    const content = scriptArg(args[1]);
    if (typeof content !== 'string') return ctx.error(content.error);
    const { scripts } = ctx.deps;
    const result = await scripts.put(String(ctx.account!.id), name.name, content);
    if (result.ok) return ctx.send(ok());
    if ('quota' in result) {
      return ctx.send(
        result.quota === 'size'
          ? no(`Scripts are limited to ${scripts.limits.maxScriptBytes} octets`, 'QUOTA/MAXSIZE')
          : no(`At most ${scripts.limits.maxScripts} scripts`, 'QUOTA/MAXSCRIPTS'),
      );
    }
    await ctx.send(no(compileErrorText(result.error)));
  },
};
