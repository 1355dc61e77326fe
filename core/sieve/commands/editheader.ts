/**
 * RFC 5293 addheader / deleteheader. Edits change what later tests see and the message that
 * is stored or redirected. Received and Auto-Submitted are protected (RFC 5293 §7): edits to
 * them are ignored, so a script cannot hide a message's path or start a reply loop.
 */
import { matchOptions, testValues } from '../match';
import { SieveRuntimeError } from '../runtime';
import { argStrings, INDEX_TAGS, MATCHING_TAGS, tagNumber, type Spec } from '../spec';
import { decodeHeaderValue } from '../../mime/decode-header';

const PROTECTED = new Set(['received', 'auto-submitted']);
/** Printable US-ASCII except ":" (RFC 5322 §3.6.8). */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const MAX_VALUE = 1024;

function checkName(name: string): string | null {
  return name.includes('${') || FIELD_NAME.test(name) ? null : `invalid header field name "${name}"`;
}

export const editheaderCommands: Spec[] = [
  {
    name: 'addheader',
    kind: 'command',
    ext: ['editheader'],
    tags: [{ name: 'last' }],
    args: ['string', 'string'],
    check: (node) => checkName(argStrings(node, 0)[0]),
    run: async (node, rt) => {
      const name = rt.str(argStrings(node, 0)[0]);
      if (!FIELD_NAME.test(name)) throw new SieveRuntimeError(`addheader: invalid field name "${name}"`);
      // A value cannot break out of its field: line breaks become spaces.
      const value = rt
        .str(argStrings(node, 1)[0])
        .replace(/[\r\n]+/g, ' ')
        .slice(0, MAX_VALUE);
      if (!PROTECTED.has(name.toLowerCase())) rt.message.add(name, value, node.tags.last === true);
      return 'next';
    },
  },
  {
    name: 'deleteheader',
    kind: 'command',
    ext: ['editheader'],
    tags: [...MATCHING_TAGS, ...INDEX_TAGS],
    args: ['string', 'stringlist'],
    optionalTrailing: 1,
    check: (node) => checkName(argStrings(node, 0)[0]),
    run: async (node, rt) => {
      const name = rt.str(argStrings(node, 0)[0]).toLowerCase();
      if (PROTECTED.has(name)) return 'next';
      const positions = rt.message.fields.flatMap((f, i) => (f.name.toLowerCase() === name ? [i] : []));
      const index = tagNumber(node, 'index');
      const chosen =
        index === undefined
          ? positions
          : [positions[node.tags.last === true ? positions.length - index : index - 1]].filter(
              (i) => i !== undefined,
            );
      const patterns = node.args.length > 1 ? rt.strs(argStrings(node, 1)) : null;
      const options = matchOptions(node);
      const doomed = chosen.filter((i) => {
        if (patterns === null) return true;
        const value = decodeHeaderValue(rt.message.fields[i].value).trim();
        return testValues(options, [value], patterns).ok;
      });
      rt.message.remove(new Set(doomed));
      return 'next';
    },
  },
];
