/** RFC 5228 §5.4 envelope; the null reverse-path is "" whatever the address part. */
import { addressPart, addressPartOf, envelopeAddress } from '../headers';
import type { Runtime } from '../runtime';
import { ADDRESS_PART_TAGS, argStrings, MATCHING_TAGS, type Spec } from '../spec';
import { matchKeys } from './common';

function envelopeValue(rt: Runtime, part: string): string | undefined {
  const e = rt.env.envelope;
  switch (part.toLowerCase()) {
    case 'from':
      return e.from;
    case 'to':
      return e.to;
    case 'auth':
      return e.auth;
    case 'orig_to':
      return e.originalTo;
    default:
      return undefined;
  }
}

export const envelopeTests: Spec[] = [
  {
    name: 'envelope',
    kind: 'test',
    ext: ['envelope'],
    tags: [...MATCHING_TAGS, ...ADDRESS_PART_TAGS],
    args: ['stringlist', 'stringlist'],
    test: async (node, rt) => {
      const part = addressPartOf(node.tags);
      const values: string[] = [];
      for (const name of rt.strs(argStrings(node, 0))) {
        const raw = envelopeValue(rt, name);
        if (raw === undefined) continue;
        const address = envelopeAddress(raw);
        if (address === null) {
          values.push('');
          continue;
        }
        const value = addressPart(address, part);
        if (value !== null) values.push(value);
      }
      return matchKeys(rt, node, values, argStrings(node, 1));
    },
  },
];
