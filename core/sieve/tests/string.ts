/** RFC 5229 §5 string test; :count counts only the non-empty source strings. */
import { matchOptions } from '../match';
import { argStrings, MATCHING_TAGS, type Spec } from '../spec';
import { matchKeys } from './common';

export const stringTests: Spec[] = [
  {
    name: 'string',
    kind: 'test',
    ext: ['variables'],
    tags: MATCHING_TAGS,
    args: ['stringlist', 'stringlist'],
    test: async (node, rt) => {
      let values = rt.strs(argStrings(node, 0));
      if (matchOptions(node).match.type === 'count') values = values.filter((v) => v !== '');
      return matchKeys(rt, node, values, argStrings(node, 1));
    },
  },
];
