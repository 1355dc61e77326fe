import { ok, no } from '../responses';
import { AUTHENTICATED, type CommandHandler } from './context';
import { compileErrorText, scriptArg } from './script-result';

/** RFC 5804 §2.12: compile without storing. */
export const CHECKSCRIPT: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length !== 1) return ctx.error('Syntax: CHECKSCRIPT script');
    const content = scriptArg(args[0]);
    if (typeof content !== 'string') return ctx.error(content.error);
    const { scripts } = ctx.deps;
    if (Buffer.byteLength(content, 'utf8') > scripts.limits.maxScriptBytes)
      return ctx.send(no(`Scripts are limited to ${scripts.limits.maxScriptBytes} octets`, 'QUOTA/MAXSIZE'));
    const result = scripts.check(content);
    await ctx.send(result.ok ? ok() : no(compileErrorText(result.error)));
  },
};
