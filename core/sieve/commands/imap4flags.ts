/** RFC 5232 §3 setflag, addflag, removeflag on the internal variable or a named one. */
import { addFlags, removeFlags, splitFlags } from '../flags';
import type { Runtime } from '../runtime';
import { argStrings, type Spec } from '../spec';
import type { SieveNode } from '../types';

type Edit = (current: string[], given: string[]) => string[];

function flagCommand(name: string, edit: Edit): Spec {
  return {
    name,
    kind: 'command',
    ext: ['imap4flags'],
    args: ['string', 'stringlist'],
    optionalLeading: 1,
    run: async (node: SieveNode, rt: Runtime) => {
      const named = node.args.length === 2;
      const given = rt.strs(argStrings(node, named ? 1 : 0));
      if (named) {
        const variable = argStrings(node, 0)[0];
        const current = splitFlags([rt.getVariable(variable)]);
        rt.setVariable(variable, edit(current, given).join(' '));
      } else {
        rt.flags = edit(rt.flags, given);
      }
      return 'next';
    },
  };
}

export const flagCommands: Spec[] = [
  flagCommand('setflag', (_current, given) => splitFlags(given)),
  flagCommand('addflag', addFlags),
  flagCommand('removeflag', removeFlags),
];
