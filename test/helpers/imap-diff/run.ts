/** Plays every script on both servers (fresh accounts per script) and compares the transcripts. */
import { compareTranscripts, type KnownDifference, type StepDifference } from './diff';
import { normalise, type NormalisedStep } from './normalise';
import { runScript, type Account, type Script, type StepRecord } from './script';

export interface DiffServer {
  name: string;
  port: number;
  /** Accounts for the script's users, created (or pre-created) on this server. */
  accounts(script: Script, index: number): Promise<Record<string, Account>>;
}

export interface ScriptResult {
  script: Script;
  /** What each server sent, before normalising (kept for replaying a report). */
  raw: { nimbus: StepRecord[]; reference: StepRecord[] };
  nimbus: NormalisedStep[];
  reference: NormalisedStep[];
  diffs: StepDifference[];
  /** A script that could not run at all on a server (login failed …). */
  errors: string[];
}

/** Same addresses on both servers, so ACL identifiers and `${user:x}` compare equal. */
export function scriptAccounts(script: Script, index: number): Record<string, Account> {
  return Object.fromEntries(
    (script.users ?? ['u']).map((u) => [
      u,
      { address: `${u}-${index}@example.test`, password: `pw-${u}-${index}` },
    ]),
  );
}

export async function runDifferential(
  scripts: Script[],
  nimbus: DiffServer,
  reference: DiffServer,
  known: KnownDifference[],
  onScript?: (result: ScriptResult) => void,
): Promise<ScriptResult[]> {
  const results: ScriptResult[] = [];
  for (const [index, script] of scripts.entries()) {
    const errors: string[] = [];
    const play = async (server: DiffServer): Promise<StepRecord[]> => {
      try {
        return await runScript(script, server.port, await server.accounts(script, index));
      } catch (e) {
        errors.push(`${server.name}: ${(e as Error).message}`);
        return [];
      }
    };
    // One after the other: concurrent runs would change nothing but the load on two cores.
    const n = await play(nimbus);
    const r = await play(reference);
    const result = compareRecords(script, n, r, known, errors);
    results.push(result);
    onScript?.(result);
  }
  return results;
}

/** Normalises and compares two recordings of a script (also used to replay a saved run). */
export function compareRecords(
  script: Script,
  nimbus: StepRecord[],
  reference: StepRecord[],
  known: KnownDifference[],
  errors: string[] = [],
): ScriptResult {
  const n = normalise(nimbus);
  const r = normalise(reference);
  return {
    script,
    raw: { nimbus, reference },
    nimbus: n,
    reference: r,
    diffs: compareTranscripts(script.name, n, r, known),
    errors,
  };
}
