/**
 * Semantic checks of the parsed script against the command/test schemas: require first and
 * only known extensions, arguments of the right kind and number, tags of required extensions,
 * comparators and relational operators, if/elsif/else order. Produces the SieveNode tree.
 */
import { decodeEncodedCharacters } from './encoded-character';
import { SieveSyntaxError } from './lexer';
import { COMPARATORS, RELATIONS } from './match';
import type { RawArg, RawCommand, RawTest } from './parser';
import { COMMANDS, IMPLIED, REQUIRABLE, TESTS } from './registry';
import type { ArgType, Spec, TagSpec, ValidateInfo } from './spec';
import type { ArgValue, Pos, SieveNode, TagValue } from './types';

/** The leading require commands: the script's extensions. */
export function collectRequires(commands: RawCommand[]): Set<string> {
  const requires = new Set<string>();
  let leading = true;
  for (const c of commands) {
    if (c.name !== 'require') {
      leading = false;
      continue;
    }
    if (!leading) throw new SieveSyntaxError('require must come before any other command', c.pos);
    const arg = c.args[0];
    const names = arg?.kind === 'string' ? [arg.value] : arg?.kind === 'stringlist' ? arg.values : null;
    if (names === null || c.args.length !== 1 || c.tests.length > 0 || c.block !== null) {
      throw new SieveSyntaxError('require expects one string list', c.pos);
    }
    for (const name of names) {
      if (!REQUIRABLE.has(name)) throw new SieveSyntaxError(`unknown extension "${name}"`, arg.pos);
      requires.add(name);
      if (IMPLIED[name]) requires.add(IMPLIED[name]);
    }
  }
  return requires;
}

class Validator {
  constructor(private readonly info: ValidateInfo) {}

  private text(value: string, pos: Pos): string {
    if (!this.info.requires.has('encoded-character')) return value;
    const decoded = decodeEncodedCharacters(value);
    if (!decoded.ok) throw new SieveSyntaxError(decoded.message, pos);
    return decoded.value;
  }

  private value(arg: RawArg, type: ArgType, what: string): ArgValue | string {
    if (type === 'number') {
      if (arg.kind !== 'number') throw new SieveSyntaxError(`${what} expects a number`, arg.pos);
      return arg.value;
    }
    if (arg.kind === 'string') return [this.text(arg.value, arg.pos)];
    if (arg.kind === 'stringlist' && type === 'stringlist')
      return arg.values.map((v) => this.text(v, arg.pos));
    throw new SieveSyntaxError(`${what} expects a ${type === 'string' ? 'string' : 'string list'}`, arg.pos);
  }

  private requireExt(ext: string | undefined, what: string, pos: Pos): void {
    if (ext !== undefined && !this.info.requires.has(ext)) {
      throw new SieveSyntaxError(`${what} needs require "${ext}"`, pos);
    }
  }

  node(raw: RawTest, spec: Spec, block: RawCommand[] | null): SieveNode {
    for (const ext of spec.ext ?? []) {
      if (!this.info.requires.has(ext))
        throw new SieveSyntaxError(`unknown ${spec.kind} "${raw.name}" (require "${ext}")`, raw.pos);
    }
    const tags: Record<string, TagValue> = {};
    const groups = new Map<string, string>();
    const positional: RawArg[] = [];
    for (let i = 0; i < raw.args.length; i++) {
      const arg = raw.args[i];
      if (arg.kind !== 'tag') {
        positional.push(arg);
        continue;
      }
      if (positional.length > 0)
        throw new SieveSyntaxError(`tag :${arg.name} after a positional argument`, arg.pos);
      const tag: TagSpec | undefined = spec.tags?.find((t) => t.name === arg.name);
      if (!tag) throw new SieveSyntaxError(`unknown tag :${arg.name} for ${raw.name}`, arg.pos);
      this.requireExt(tag.ext, `:${arg.name}`, arg.pos);
      if (arg.name in tags) throw new SieveSyntaxError(`tag :${arg.name} given twice`, arg.pos);
      if (tag.group) {
        const other = groups.get(tag.group);
        if (other) throw new SieveSyntaxError(`:${arg.name} cannot be combined with :${other}`, arg.pos);
        groups.set(tag.group, arg.name);
      }
      if (tag.param) {
        const next = raw.args[++i];
        if (!next || next.kind === 'tag')
          throw new SieveSyntaxError(`:${arg.name} expects an argument`, arg.pos);
        const v = this.value(next, tag.param, `:${arg.name}`);
        tags[arg.name] = tag.param === 'string' && Array.isArray(v) ? v[0] : v;
      } else {
        tags[arg.name] = true;
      }
    }
    const want = spec.args;
    const min = want.length - (spec.optionalLeading ?? 0) - (spec.optionalTrailing ?? 0);
    if (positional.length < min || positional.length > want.length) {
      const count = min === want.length ? `${min}` : `${min} to ${want.length}`;
      throw new SieveSyntaxError(`${raw.name} expects ${count} positional argument(s)`, raw.pos);
    }
    const types = spec.optionalLeading
      ? want.slice(want.length - positional.length)
      : want.slice(0, positional.length);
    const args = positional.map((a, i) => this.value(a, types[i], raw.name) as ArgValue);
    const testMode = spec.tests ?? 'none';
    if (testMode === 'none' && raw.tests.length > 0)
      throw new SieveSyntaxError(`${raw.name} takes no test`, raw.tests[0].pos);
    if (testMode === 'one' && (raw.tests.length !== 1 || raw.testList)) {
      throw new SieveSyntaxError(`${raw.name} expects one test`, raw.pos);
    }
    if (testMode === 'list' && !raw.testList)
      throw new SieveSyntaxError(`${raw.name} expects a test list`, raw.pos);
    const tests = raw.tests.map((t) => this.test(t));
    let body: SieveNode[] | null = null;
    if (spec.kind === 'command') {
      if (spec.block && block === null) throw new SieveSyntaxError(`${raw.name} expects a block`, raw.pos);
      if (!spec.block && block !== null) throw new SieveSyntaxError(`${raw.name} takes no block`, raw.pos);
      body = block === null ? null : this.commands(block, false);
    }
    const node: SieveNode = { name: raw.name, pos: raw.pos, tags, args, tests, block: body };
    this.checkMatching(node, spec);
    const problem = spec.check?.(node, this.info);
    if (problem) throw new SieveSyntaxError(problem, raw.pos);
    return node;
  }

  private checkMatching(node: SieveNode, spec: Spec): void {
    const comparator = node.tags.comparator;
    if (typeof comparator === 'string') {
      const name = comparator.toLowerCase();
      if (!(COMPARATORS as readonly string[]).includes(name)) {
        throw new SieveSyntaxError(`unknown comparator "${comparator}"`, node.pos);
      }
      if (name === 'i;ascii-numeric') {
        if (!this.info.requires.has('comparator-i;ascii-numeric')) {
          throw new SieveSyntaxError(
            'comparator i;ascii-numeric needs require "comparator-i;ascii-numeric"',
            node.pos,
          );
        }
        if (node.tags.contains === true || node.tags.matches === true) {
          throw new SieveSyntaxError('i;ascii-numeric supports only :is, :value and :count', node.pos);
        }
      }
    }
    for (const rel of ['count', 'value']) {
      const op = node.tags[rel];
      if (typeof op === 'string' && !(RELATIONS as readonly string[]).includes(op.toLowerCase())) {
        throw new SieveSyntaxError(`unknown relational operator "${op}"`, node.pos);
      }
    }
    if (
      spec.tags?.some((t) => t.name === 'index') &&
      node.tags.last === true &&
      node.tags.index === undefined
    ) {
      throw new SieveSyntaxError(':last needs :index', node.pos);
    }
  }

  test(raw: RawTest): SieveNode {
    const spec = TESTS.get(raw.name);
    if (!spec) throw new SieveSyntaxError(`unknown test "${raw.name}"`, raw.pos);
    return this.node(raw, spec, null);
  }

  commands(raw: RawCommand[], top: boolean): SieveNode[] {
    let previous = '';
    return raw.map((c) => {
      const spec = COMMANDS.get(c.name);
      if (!spec) throw new SieveSyntaxError(`unknown command "${c.name}"`, c.pos);
      if (c.name === 'require' && !top) throw new SieveSyntaxError('require inside a block', c.pos);
      if ((c.name === 'elsif' || c.name === 'else') && previous !== 'if' && previous !== 'elsif') {
        throw new SieveSyntaxError(`${c.name} without a preceding if`, c.pos);
      }
      previous = c.name;
      return this.node(c, spec, c.block);
    });
  }
}

export function validateScript(raw: RawCommand[], info: ValidateInfo): SieveNode[] {
  return new Validator(info).commands(raw, true);
}
