/** RFC 5228 §5: true, false, not, allof, anyof, exists, size. */
import type { Spec } from '../spec';
import { argNumber, argStrings } from '../spec';

export const coreTests: Spec[] = [
  { name: 'true', kind: 'test', args: [], test: async () => true },
  { name: 'false', kind: 'test', args: [], test: async () => false },
  {
    name: 'not',
    kind: 'test',
    args: [],
    tests: 'one',
    test: async (node, rt) => !(await rt.engine.evalTest(node.tests[0])),
  },
  {
    name: 'allof',
    kind: 'test',
    args: [],
    tests: 'list',
    test: async (node, rt) => {
      for (const t of node.tests) if (!(await rt.engine.evalTest(t))) return false;
      return true;
    },
  },
  {
    name: 'anyof',
    kind: 'test',
    args: [],
    tests: 'list',
    test: async (node, rt) => {
      for (const t of node.tests) if (await rt.engine.evalTest(t)) return true;
      return false;
    },
  },
  {
    name: 'exists',
    kind: 'test',
    args: ['stringlist'],
    test: async (node, rt) => rt.strs(argStrings(node, 0)).every((name) => rt.message.exists(name)),
  },
  {
    name: 'size',
    kind: 'test',
    tags: [
      { name: 'over', group: 'size' },
      { name: 'under', group: 'size' },
    ],
    args: ['number'],
    check: (node) =>
      node.tags.over === true || node.tags.under === true ? null : 'size needs :over or :under',
    test: async (node, rt) => {
      const size = rt.env.message.length;
      const limit = argNumber(node, 0);
      return node.tags.over === true ? size > limit : size < limit;
    },
  },
];
