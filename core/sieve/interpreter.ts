/**
 * Runs a compiled script: commands in order with if/elsif/else chains, a step budget, and
 * the implicit keep. Any runtime error or limit yields a plain keep so no mail is lost.
 */
import { finalActions } from './actions';
import { COMMANDS, TESTS } from './registry';
import { Runtime, SieveRuntimeError, type Engine } from './runtime';
import type { Signal } from './spec';
import type { SieveEnvironment, SieveNode, SieveResult, SieveScript } from './types';

class Interpreter implements Engine {
  rt!: Runtime;

  async evalTest(node: SieveNode): Promise<boolean> {
    this.rt.step();
    const spec = TESTS.get(node.name);
    if (!spec?.test) throw new SieveRuntimeError(`unknown test ${node.name}`);
    return spec.test(node, this.rt);
  }

  async runCommands(nodes: readonly SieveNode[]): Promise<Signal> {
    // Whether the current if/elsif chain has already taken a branch.
    let chainTaken = true;
    for (const node of nodes) {
      this.rt.step();
      let signal: Signal = 'next';
      if (node.name === 'if' || node.name === 'elsif' || node.name === 'else') {
        if (node.name === 'if') chainTaken = false;
        if (!chainTaken && (node.name === 'else' || (await this.evalTest(node.tests[0])))) {
          chainTaken = true;
          signal = await this.runCommands(node.block ?? []);
        }
      } else {
        const spec = COMMANDS.get(node.name);
        if (!spec?.run) throw new SieveRuntimeError(`unknown command ${node.name}`);
        signal = await spec.run(node, this.rt);
      }
      if (signal !== 'next') return signal;
    }
    return 'next';
  }
}

export async function runSieve(script: SieveScript, env: SieveEnvironment): Promise<SieveResult> {
  try {
    const engine = new Interpreter();
    const rt = new Runtime(env, new Set(script.requires), engine);
    engine.rt = rt;
    await engine.runCommands(script.commands);
    const result: SieveResult = { actions: finalActions(rt), duplicates: rt.duplicates };
    if (rt.message.edited) result.editedMessage = rt.message.serialize();
    return result;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { actions: [{ type: 'keep', flags: [] }], duplicates: [], error: message };
  }
}
