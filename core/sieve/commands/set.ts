/** RFC 5229 §4 set with its modifiers. */
import { argStrings, type Spec } from '../spec';
import { applyModifiers, isVariableName, MODIFIERS } from '../variables';

export const setCommands: Spec[] = [
  {
    name: 'set',
    kind: 'command',
    ext: ['variables'],
    tags: Object.keys(MODIFIERS).map((name) => ({ name })),
    args: ['string', 'string'],
    check: (node) => {
      const name = argStrings(node, 0)[0];
      if (!isVariableName(name)) return `invalid variable name "${name}"`;
      const used = Object.keys(MODIFIERS).filter((m) => node.tags[m] === true);
      const levels = new Set(used.map((m) => MODIFIERS[m]));
      return levels.size === used.length ? null : 'two set modifiers of the same precedence';
    },
    run: async (node, rt) => {
      const modifiers = Object.keys(MODIFIERS).filter((m) => node.tags[m] === true);
      rt.setVariable(argStrings(node, 0)[0], applyModifiers(modifiers, rt.str(argStrings(node, 1)[0])));
      return 'next';
    },
  },
];
