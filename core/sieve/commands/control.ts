/**
 * RFC 5228 §3 control commands. if/elsif/else chaining is run by the interpreter; require
 * is handled at compile time.
 */
import type { Spec } from '../spec';

export const controlCommands: Spec[] = [
  { name: 'require', kind: 'command', args: ['stringlist'], run: async () => 'next' },
  { name: 'if', kind: 'command', args: [], tests: 'one', block: true },
  { name: 'elsif', kind: 'command', args: [], tests: 'one', block: true },
  { name: 'else', kind: 'command', args: [], block: true },
  { name: 'stop', kind: 'command', args: [], run: async () => 'stop' },
];
