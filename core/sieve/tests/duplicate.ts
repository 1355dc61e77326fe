/**
 * RFC 7352 duplicate: the id (Message-ID by default, or :header / :uniqueid) is hashed with
 * the :handle into a key; the caller records result.duplicates once delivery succeeded.
 */
import { createHash } from 'node:crypto';
import { tagNumber, tagString, type Spec } from '../spec';

/** RFC 7352 §3.3 leaves the default period to the implementation: one week. */
export const DUPLICATE_DEFAULT_SECONDS = 7 * 86400;
/** And lets it cap the period: 30 days. */
export const DUPLICATE_MAX_SECONDS = 30 * 86400;

export const duplicateTests: Spec[] = [
  {
    name: 'duplicate',
    kind: 'test',
    ext: ['duplicate'],
    tags: [
      { name: 'handle', param: 'string' },
      { name: 'header', param: 'string', group: 'id' },
      { name: 'uniqueid', param: 'string', group: 'id' },
      { name: 'seconds', param: 'number' },
      { name: 'last' },
    ],
    args: [],
    test: async (node, rt) => {
      const uniqueid = tagString(node, 'uniqueid');
      let id: string | undefined;
      if (uniqueid !== undefined) {
        id = rt.str(uniqueid);
      } else {
        const header = rt.str(tagString(node, 'header') ?? 'message-id');
        id = rt.message.values(header)[0]?.trim();
      }
      // No id to track: never a duplicate (RFC 7352 §3.1).
      if (id === undefined || id === '') return false;
      const handle = rt.str(tagString(node, 'handle') ?? '');
      const key = createHash('sha256').update(`${handle}\0${id}`).digest('hex');
      const seconds = Math.min(
        tagNumber(node, 'seconds') ?? DUPLICATE_DEFAULT_SECONDS,
        DUPLICATE_MAX_SECONDS,
      );
      const seen = rt.duplicatesChecked.has(key) || (await rt.env.duplicateSeen(key));
      rt.duplicatesChecked.add(key);
      // Without :last an existing record keeps its expiry; with :last each sighting renews it.
      if (!seen || node.tags.last === true) {
        const i = rt.duplicates.findIndex((d) => d.key === key);
        if (i >= 0) rt.duplicates.splice(i, 1);
        rt.duplicates.push({ key, seconds });
      }
      return seen;
    },
  },
];
