/** RFC 6609 include, return and global. */
import { Scope, SieveRuntimeError } from '../runtime';
import { argStrings, type Spec } from '../spec';
import { isVariableName } from '../variables';

export const includeCommands: Spec[] = [
  {
    name: 'include',
    kind: 'command',
    ext: ['include'],
    tags: [
      { name: 'personal', group: 'location' },
      { name: 'global', group: 'location' },
      { name: 'once' },
      { name: 'optional' },
    ],
    args: ['string'],
    run: async (node, rt) => {
      const location = node.tags.global === true ? 'global' : 'personal';
      const name = rt.str(argStrings(node, 0)[0]);
      const key = `${location}:${name}`;
      if (node.tags.once === true && rt.includedOnce.has(key)) return 'next';
      if (rt.includeStack.includes(key)) throw new SieveRuntimeError(`include loop: ${name} includes itself`);
      if (rt.includeStack.length >= rt.limits.maxIncludeDepth) {
        throw new SieveRuntimeError(`includes nested deeper than ${rt.limits.maxIncludeDepth}`);
      }
      const script = await rt.env.loadInclude(name, location);
      if (script === null) {
        if (node.tags.optional === true) return 'next';
        throw new SieveRuntimeError(`included ${location} script "${name}" does not exist`);
      }
      rt.includedOnce.add(key);
      const caller = rt.scope;
      rt.includeStack.push(key);
      rt.scope = new Scope(new Set(script.requires));
      try {
        const signal = await rt.engine.runCommands(script.commands);
        return signal === 'stop' ? 'stop' : 'next';
      } finally {
        rt.scope = caller;
        rt.includeStack.pop();
      }
    },
  },
  { name: 'return', kind: 'command', ext: ['include'], args: [], run: async () => 'return' },
  {
    name: 'global',
    kind: 'command',
    ext: ['include', 'variables'],
    args: ['stringlist'],
    check: (node) => {
      const bad = argStrings(node, 0).find((n) => !isVariableName(n));
      return bad === undefined ? null : `invalid variable name "${bad}"`;
    },
    run: async (node, rt) => {
      for (const name of argStrings(node, 0)) rt.scope.globalNames.add(name.toLowerCase());
      return 'next';
    },
  },
];
