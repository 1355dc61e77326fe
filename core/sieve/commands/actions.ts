/** RFC 5228 §4 keep, discard, redirect (with copy, RFC 3894) and fileinto (§4.1 ext). */
import { isValidAddress } from '../../mail/address';
import { perform } from '../actions';
import { splitFlags } from '../flags';
import { SieveRuntimeError, type Runtime } from '../runtime';
import { argStrings, tagString, tagStrings, type Spec, type TagSpec } from '../spec';
import type { SieveNode } from '../types';

const FLAGS_TAG: TagSpec = { name: 'flags', param: 'stringlist', ext: 'imap4flags' };
const COPY_TAG: TagSpec = { name: 'copy', ext: 'copy' };

/** "a@b" or "<a@b>" as redirect accepts it (RFC 5228 §4.2), without the brackets; or null. */
function redirectTarget(value: string): string | null {
  const bare = value.trim().replace(/^<(.*)>$/, '$1');
  return isValidAddress(bare, { utf8: true }) ? bare : null;
}

/** RFC 5232 §5: :flags replaces the internal variable for this action only. */
function actionFlags(node: SieveNode, rt: Runtime): string[] {
  const given = tagStrings(node, 'flags');
  return given ? splitFlags(rt.strs(given)) : [...rt.flags];
}

export const actionCommands: Spec[] = [
  {
    name: 'keep',
    kind: 'command',
    tags: [FLAGS_TAG],
    args: [],
    run: async (node, rt) => {
      perform(rt, { type: 'keep', flags: actionFlags(node, rt) }, node.pos);
      return 'next';
    },
  },
  {
    name: 'discard',
    kind: 'command',
    args: [],
    run: async (node, rt) => {
      perform(rt, { type: 'discard' }, node.pos);
      return 'next';
    },
  },
  {
    name: 'redirect',
    kind: 'command',
    tags: [COPY_TAG],
    args: ['string'],
    check: (node) => {
      const value = argStrings(node, 0)[0];
      return value.includes('${') || redirectTarget(value) !== null
        ? null
        : `invalid redirect address "${value}"`;
    },
    run: async (node, rt) => {
      const address = redirectTarget(rt.str(argStrings(node, 0)[0]));
      if (address === null) throw new SieveRuntimeError(`redirect: invalid address at line ${node.pos.line}`);
      perform(rt, { type: 'redirect', address, copy: node.tags.copy === true }, node.pos);
      return 'next';
    },
  },
  {
    name: 'fileinto',
    kind: 'command',
    ext: ['fileinto'],
    tags: [
      FLAGS_TAG,
      COPY_TAG,
      { name: 'create', ext: 'mailbox' },
      { name: 'mailboxid', param: 'string', ext: 'mailboxid' },
    ],
    args: ['string'],
    run: async (node, rt) => {
      const mailboxId = tagString(node, 'mailboxid');
      perform(
        rt,
        {
          type: 'fileinto',
          mailbox: rt.str(argStrings(node, 0)[0]),
          ...(mailboxId !== undefined ? { mailboxId: rt.str(mailboxId) } : {}),
          create: node.tags.create === true,
          copy: node.tags.copy === true,
          flags: actionFlags(node, rt),
        },
        node.pos,
      );
      return 'next';
    },
  },
];
