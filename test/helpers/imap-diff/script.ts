/**
 * Differential scripts: what a script is (sessions and steps) and the runner that plays it
 * against one server and records the raw responses of every step.
 */
import { splitAtSyncLiterals, WireClient, type RawResponse } from './wire';

export interface SessionSpec {
  /** Local name of the script user this session logs in as (default: the first user). */
  user?: string;
  /** Log in when opened (default true); false leaves the session not authenticated. */
  login?: boolean;
}

interface StepBase {
  /** Session name (default "a"). */
  s?: string;
  /** Stable name for the allowlist; default the command up to its first literal. */
  label?: string;
}

/** A tagged command. `${user:x}` expands to script user x's address, `${v}` to a captured value. */
export interface CommandStep extends StepBase {
  c: string;
  /** Compare only the tagged status and response-code names (bad input: texts and details differ). */
  statusOnly?: boolean;
  /** Keep the CAPABILITY list, one line per capability, instead of folding it to `<caps>`. */
  capabilities?: boolean;
  /** Values taken from the raw responses (first group) for later commands, e.g. UIDVALIDITY. */
  capture?: Record<string, RegExp>;
  timeoutMs?: number;
}

/** `tag IDLE`, recorded up to the continuation. */
export interface IdleStep extends StepBase {
  idle: true;
}

/** `DONE` for the session's IDLE, recorded up to the IDLE's tagged response. */
export interface DoneStep extends StepBase {
  done: true;
}

/** Waits (up to a few seconds) until an untagged response matches; records nothing but a timeout. */
export interface WaitStep extends StepBase {
  wait: RegExp;
  timeoutMs?: number;
}

/** Bytes sent as they are (no tag added); recorded until a status response or a short timeout. */
export interface RawStep extends StepBase {
  raw: string;
  statusOnly?: boolean;
  /** How long to wait for a status response or continuation (default 3 s). */
  timeoutMs?: number;
}

export type Step = CommandStep | IdleStep | DoneStep | WaitStep | RawStep;

export interface Script {
  name: string;
  /** What the script checks, for the report. */
  about?: string;
  /** Local names of the users; each run gets fresh accounts (default ["u"]). */
  users?: string[];
  /** Sessions by name, opened in this order before the first step (default { a: {} }). */
  sessions?: Record<string, SessionSpec>;
  steps: Step[];
}

export interface Account {
  address: string;
  password: string;
}

export interface StepRecord {
  index: number;
  session: string;
  label: string;
  tag: string | null;
  sent: string;
  responses: RawResponse[];
  /** Why the step did not end normally (timeout, connection closed), if it didn't. */
  incomplete: string | null;
  statusOnly: boolean;
  capabilities: boolean;
}

export function stepLabel(step: Step): string {
  if (step.label) return step.label;
  if ('c' in step) return step.c.replace(/~?\{\d+\+?\}\r\n[\s\S]*/, '{…}').slice(0, 120);
  if ('idle' in step) return 'IDLE';
  if ('done' in step) return 'DONE';
  if ('wait' in step) return `wait ${String(step.wait)}`;
  return `raw ${JSON.stringify(step.raw.slice(0, 60))}`;
}

const isTagged = (tag: string) => (r: RawResponse) => r.startsWith(`${tag} `);

/** Plays `script` against the server on `port`; `accounts` maps the script's user names. */
export async function runScript(
  script: Script,
  port: number,
  accounts: Record<string, Account>,
  defaultTimeoutMs = 8_000,
): Promise<StepRecord[]> {
  const users = script.users ?? ['u'];
  const specs = script.sessions ?? { a: {} };
  const sessions = new Map<string, WireClient>();
  const idleTags = new Map<string, string>();
  const vars = new Map<string, string>();
  const expand = (text: string): string =>
    text.replace(/\$\{(user:)?([\w-]+)\}/g, (_m, user: string | undefined, name: string) =>
      user ? (accounts[name]?.address ?? `<no user ${name}>`) : (vars.get(name) ?? `<missing ${name}>`),
    );
  const records: StepRecord[] = [];
  try {
    for (const [name, spec] of Object.entries(specs)) {
      const wire = await WireClient.connect(port);
      sessions.set(name, wire);
      await wire.waitFor((r) => /^\* (OK|PREAUTH|BYE) /.test(r) && !r.startsWith('* OK Waiting'), 10_000);
      if (spec.login !== false) {
        const account = accounts[spec.user ?? users[0]];
        wire.write(`L LOGIN ${quote(account.address)} ${quote(account.password)}\r\n`);
        if (!(await wire.waitFor(isTagged('L'), 10_000)))
          throw new Error(`login of ${account.address} timed out`);
        const answer = wire.drain().find(isTagged('L'));
        if (!answer?.startsWith('L OK')) throw new Error(`login of ${account.address} failed: ${answer}`);
      }
      wire.drain();
    }
    for (const [index, step] of script.steps.entries()) {
      const name = step.s ?? 'a';
      const wire = sessions.get(name);
      if (!wire) throw new Error(`${script.name}: step ${index} uses unknown session ${name}`);
      const record: StepRecord = {
        index,
        session: name,
        label: stepLabel(step),
        tag: null,
        sent: '',
        responses: [],
        incomplete: null,
        statusOnly: 'statusOnly' in step ? (step.statusOnly ?? false) : false,
        capabilities: 'capabilities' in step ? (step.capabilities ?? false) : false,
      };
      records.push(record);
      const finish = (ok: boolean, why: string): void => {
        record.responses = wire.drain();
        if (!ok) record.incomplete = wire.closed ? 'connection closed' : why;
      };
      if ('c' in step) {
        const tag = `t${index}`;
        record.tag = tag;
        const command = expand(step.c);
        // The record keeps the start only: big literals would bloat saved runs.
        record.sent =
          command.length > 4_000 ? `${command.slice(0, 4_000)}…[${command.length} bytes]` : command;
        const done = await sendCommand(wire, tag, command, step.timeoutMs ?? defaultTimeoutMs);
        finish(done, 'no tagged response (timeout)');
        for (const [v, re] of Object.entries(step.capture ?? {})) {
          const m = record.responses.map((r) => re.exec(r)).find((x) => x);
          if (m?.[1] !== undefined) vars.set(v, m[1]);
        }
      } else if ('idle' in step) {
        const tag = `t${index}`;
        record.tag = tag;
        record.sent = 'IDLE';
        idleTags.set(name, tag);
        wire.write(`${tag} IDLE\r\n`);
        const ok = await wire.waitFor((r) => r.startsWith('+') || isTagged(tag)(r), defaultTimeoutMs);
        finish(ok, 'no continuation (timeout)');
      } else if ('done' in step) {
        const tag = idleTags.get(name) ?? 'none';
        record.tag = tag;
        record.sent = 'DONE';
        wire.write('DONE\r\n');
        const ok = await wire.waitFor(isTagged(tag), defaultTimeoutMs);
        finish(ok, 'no tagged response to DONE (timeout)');
      } else if ('wait' in step) {
        // A barrier only: what arrived stays queued for the session's next step, so how the
        // server splits its pushes into packets never changes which step records them.
        record.sent = `(wait for ${String(step.wait)})`;
        const ok = await wire.waitFor((r) => step.wait.test(r), step.timeoutMs ?? 5_000);
        if (!ok)
          record.incomplete = wire.closed ? 'connection closed' : 'awaited response did not arrive (timeout)';
      } else {
        record.sent = step.raw;
        wire.write(step.raw);
        await wire.waitFor((r) => /^(\S+ (OK|NO|BAD|BYE)\b|\+)/.test(r), step.timeoutMs ?? 3_000);
        finish(true, '');
      }
    }
  } finally {
    for (const wire of sessions.values()) wire.close();
  }
  return records;
}

/** Sends a command, pausing at each synchronising literal until "+" (or a tagged refusal). */
async function sendCommand(
  wire: WireClient,
  tag: string,
  command: string,
  timeoutMs: number,
): Promise<boolean> {
  const pieces = splitAtSyncLiterals(`${tag} ${command}\r\n`);
  for (const [i, piece] of pieces.entries()) {
    wire.write(piece);
    if (i === pieces.length - 1) break;
    const ok = await wire.waitFor((r) => r.startsWith('+') || isTagged(tag)(r), timeoutMs);
    if (!ok) return false;
    // A tagged answer here refused the literal: the rest must not be sent.
    if (wire.has(isTagged(tag))) return true;
    wire.dropContinuations();
  }
  return wire.waitFor(isTagged(tag), timeoutMs);
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}
