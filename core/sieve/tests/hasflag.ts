/** RFC 5232 §4 hasflag: flags of the internal variable (or the named variables) against keys. */
import { splitFlags } from '../flags';
import { argStrings, MATCHING_TAGS, type Spec } from '../spec';
import { matchKeys } from './common';

export const hasflagTests: Spec[] = [
  {
    name: 'hasflag',
    kind: 'test',
    ext: ['imap4flags'],
    tags: MATCHING_TAGS,
    args: ['stringlist', 'stringlist'],
    optionalLeading: 1,
    test: async (node, rt) => {
      const named = node.args.length === 2;
      const flags = named ? splitFlags(argStrings(node, 0).map((v) => rt.getVariable(v))) : rt.flags;
      return matchKeys(rt, node, flags, argStrings(node, named ? 1 : 0));
    },
  },
];
