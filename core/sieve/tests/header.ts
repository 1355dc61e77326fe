/** RFC 5228 §5.7 header and §5.1 address, with index (RFC 5260 §6) and subaddress (RFC 5233). */
import { addressPart, addressPartOf, headerAddresses } from '../headers';
import { ADDRESS_PART_TAGS, argStrings, INDEX_TAGS, MATCHING_TAGS, type Spec } from '../spec';
import { matchKeys, selectIndex } from './common';

export const headerTests: Spec[] = [
  {
    name: 'header',
    kind: 'test',
    tags: [...MATCHING_TAGS, ...INDEX_TAGS],
    args: ['stringlist', 'stringlist'],
    test: async (node, rt) => {
      const values = rt
        .strs(argStrings(node, 0))
        .flatMap((name) => selectIndex(node, rt.message.decoded(name)));
      return matchKeys(rt, node, values, argStrings(node, 1));
    },
  },
  {
    name: 'address',
    kind: 'test',
    tags: [...MATCHING_TAGS, ...ADDRESS_PART_TAGS, ...INDEX_TAGS],
    args: ['stringlist', 'stringlist'],
    test: async (node, rt) => {
      const part = addressPartOf(node.tags);
      const values = rt
        .strs(argStrings(node, 0))
        .flatMap((name) => selectIndex(node, rt.message.values(name)))
        .flatMap(headerAddresses)
        .map((a) => addressPart(a, part))
        .filter((v): v is string => v !== null);
      return matchKeys(rt, node, values, argStrings(node, 1));
    },
  },
];
