import { ok, sieveString } from '../responses';
import { AUTHENTICATED, type CommandHandler } from './context';

/** RFC 5804 §2.7: every script name, the active one marked ACTIVE. */
export const LISTSCRIPTS: CommandHandler = {
  states: AUTHENTICATED,
  async run(ctx, args) {
    if (args.length > 0) return ctx.error('LISTSCRIPTS takes no arguments');
    const scripts = await ctx.deps.scripts.list(String(ctx.account!.id));
    const lines = scripts.map((script) => `${sieveString(script.name)}${script.active ? ' ACTIVE' : ''}\r\n`);
    await ctx.send(`${lines.join('')}${ok()}`);
  },
};
