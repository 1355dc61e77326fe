/**
 * State of one runSieve call: the message view, the actions so far, variables, limits.
 * Commands and tests read and change it through these helpers.
 */
import { MessageView } from './headers';
import type { Signal } from './spec';
import type { Pos, SieveAction, SieveEnvironment, SieveLimits, SieveNode } from './types';
import { expandVariables, MAX_VARIABLES, truncateValue } from './variables';

export class SieveRuntimeError extends Error {}

export const DEFAULT_LIMITS: Required<SieveLimits> = {
  maxSteps: 10_000,
  maxRedirects: 4,
  maxIncludeDepth: 5,
  maxActions: 64,
};

/** Variables of one script (RFC 6609 §3.4: included scripts share only `global` ones). */
export class Scope {
  readonly vars = new Map<string, string>();
  readonly globalNames = new Set<string>();
  matchVars: string[] = [];

  constructor(readonly requires: ReadonlySet<string>) {}
}

/** The interpreter, as commands that run tests or blocks (not, include) reach it. */
export interface Engine {
  evalTest(node: SieveNode): Promise<boolean>;
  runCommands(nodes: readonly SieveNode[]): Promise<Signal>;
}

/** A performed action and where the script asked for it, for conflict messages. */
interface Performed {
  action: SieveAction;
  pos: Pos;
}

export class Runtime {
  readonly limits: Required<SieveLimits>;
  readonly message: MessageView;
  readonly performed: Performed[] = [];
  implicitKeep = true;
  /** The imap4flags internal variable (RFC 5232 §3). */
  flags: string[] = [];
  readonly globals = new Map<string, string>();
  readonly duplicates: { key: string; seconds: number }[] = [];
  readonly duplicatesChecked = new Set<string>();
  readonly includeStack: string[] = [];
  readonly includedOnce = new Set<string>();
  scope: Scope;
  private steps = 0;

  constructor(
    readonly env: SieveEnvironment,
    requires: ReadonlySet<string>,
    readonly engine: Engine,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(env.limits ?? {}) };
    this.message = new MessageView(env.message);
    this.scope = new Scope(requires);
  }

  step(): void {
    if (++this.steps > this.limits.maxSteps)
      throw new SieveRuntimeError(`more than ${this.limits.maxSteps} steps`);
  }

  has(ext: string): boolean {
    return this.scope.requires.has(ext);
  }

  /** A string argument with variables expanded when the script uses them. */
  str(value: string): string {
    if (!this.has('variables')) return value;
    return expandVariables(value, {
      named: (name) => this.getVariable(name),
      match: (i) => this.scope.matchVars[i] ?? '',
    });
  }

  strs(values: readonly string[]): string[] {
    return values.map((v) => this.str(v));
  }

  private isGlobal(name: string): boolean {
    return name.startsWith('global.') || this.scope.globalNames.has(name);
  }

  private globalKey(name: string): string {
    return name.startsWith('global.') ? name.slice('global.'.length) : name;
  }

  getVariable(name: string): string {
    const key = name.toLowerCase();
    if (this.isGlobal(key)) return this.globals.get(this.globalKey(key)) ?? '';
    return this.scope.vars.get(key) ?? '';
  }

  setVariable(name: string, value: string): void {
    const key = name.toLowerCase();
    const map = this.isGlobal(key) ? this.globals : this.scope.vars;
    const k = this.isGlobal(key) ? this.globalKey(key) : key;
    if (!map.has(k) && map.size >= MAX_VARIABLES) throw new SieveRuntimeError('too many variables');
    map.set(k, truncateValue(value));
  }

  /** A successful :matches replaces the match variables (RFC 5229 §3.2). */
  setMatch(captures: string[] | undefined): void {
    if (captures && this.has('variables')) this.scope.matchVars = captures.map(truncateValue);
  }

  actions(): SieveAction[] {
    return this.performed.map((p) => p.action);
  }

  add(action: SieveAction, pos: Pos): void {
    if (this.performed.length >= this.limits.maxActions) {
      throw new SieveRuntimeError(`more than ${this.limits.maxActions} actions`);
    }
    this.performed.push({ action, pos });
  }
}

function definedOnly(limits: SieveLimits): SieveLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => typeof v === 'number' && v >= 0));
}
