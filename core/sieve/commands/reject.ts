/** RFC 5429 reject and ereject; conflicts are checked where actions are added. */
import { perform } from '../actions';
import { argStrings, type Spec } from '../spec';

export const rejectCommands: Spec[] = (['reject', 'ereject'] as const).map((name): Spec => ({
  name,
  kind: 'command',
  ext: [name],
  args: ['string'],
  run: async (node, rt) => {
    perform(
      rt,
      { type: 'reject', reason: rt.str(argStrings(node, 0)[0]), extended: name === 'ereject' },
      node.pos,
    );
    return 'next';
  },
}));
