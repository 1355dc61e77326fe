/**
 * RFC 5232 §4 hasflag: flags of the internal variable (or the named variables) against keys.
 * Keys are flag lists too: "c a" asks for c or a (as Pigeonhole reads it).
 */
import { splitFlags } from '../flags';
import { matchOptions, testValues } from '../match';
import { argStrings, MATCHING_TAGS, type Spec } from '../spec';

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
      const options = matchOptions(node);
      const raw = rt.strs(argStrings(node, named ? 1 : 0));
      // :count compares a number, not a flag list.
      const keys = options.match.type === 'count' ? raw : splitFlags(raw);
      const outcome = testValues(options, flags, keys);
      if (outcome.ok) rt.setMatch(outcome.captures);
      return outcome.ok;
    },
  },
];
