/**
 * Compares the normalised transcripts of one script on Nimbus and on the reference server,
 * step by step (as multisets of canonical lines), matches what differs against the reviewed
 * allowlist, and prints a readable report.
 */
import type { NormalisedStep } from './normalise';

/** Why a difference is acceptable (or, for nimbus-gap, which work remains). */
export type DifferenceKind =
  /** The reference server does not implement the extension/behaviour (Nimbus does). */
  | 'dovecot-lacks'
  /** Both answers are allowed by the RFCs. */
  | 'rfc-allows-both'
  /** The reference server departs from the RFC; Nimbus follows it. */
  | 'dovecot-deviates'
  /** The two servers are set up differently where it doesn't matter (names, quota roots …). */
  | 'environment'
  /** Dovecot has an extension Nimbus does not implement and issue #13 does not ask for. */
  | 'out-of-scope'
  /** A Nimbus bug or missing feature nobody has fixed yet: remaining work. */
  | 'nimbus-gap';

export interface KnownDifference {
  /** Script name (exact) or pattern. */
  script: string | RegExp;
  /** Step label/command: a string matches as a prefix; omitted = every step of the script. */
  step?: string | RegExp;
  /** A differing line on either side: a string matches as a substring. */
  line?: string | RegExp;
  /**
   * A line only Nimbus sent / only Dovecot sent. When given, the entry applies only if such a
   * line is there, so a pair (nimbus + dovecot) explains exactly "this answer instead of that".
   * With none of line/nimbus/dovecot, the entry explains the whole step.
   */
  nimbus?: string | RegExp;
  dovecot?: string | RegExp;
  kind: DifferenceKind;
  reason: string;
}

export interface StepDifference {
  script: string;
  index: number;
  session: string;
  label: string;
  sent: string;
  nimbus: string[];
  reference: string[];
  onlyNimbus: string[];
  onlyReference: string[];
  /** Differing lines no allowlist entry explains. */
  unexplained: string[];
  /** Allowlist entries that explained something here. */
  explainedBy: KnownDifference[];
}

export function compareTranscripts(
  script: string,
  nimbus: NormalisedStep[],
  reference: NormalisedStep[],
  known: KnownDifference[],
): StepDifference[] {
  const out: StepDifference[] = [];
  const steps = Math.max(nimbus.length, reference.length);
  for (let i = 0; i < steps; i++) {
    const n = nimbus[i];
    const r = reference[i];
    const nLines = n?.lines ?? ['(step not run)'];
    const rLines = r?.lines ?? ['(step not run)'];
    const onlyNimbus = multisetMinus(nLines, rLines);
    const onlyReference = multisetMinus(rLines, nLines);
    if (!onlyNimbus.length && !onlyReference.length) continue;
    const label = (n ?? r).label;
    const entries = known.filter(
      (k) => matches(k.script, script, 'exact') && (k.step === undefined || matches(k.step, label, 'prefix')),
    );
    const explainedBy = new Set<KnownDifference>();
    const unexplained: string[] = [];
    const applicable = entries.filter(
      (k) =>
        (k.nimbus === undefined || onlyNimbus.some((l) => matches(k.nimbus!, l, 'substring'))) &&
        (k.dovecot === undefined || onlyReference.some((l) => matches(k.dovecot!, l, 'substring'))),
    );
    const explain = (line: string, side: 'nimbus' | 'dovecot'): void => {
      const entry = applicable.find((k) => {
        const own = side === 'nimbus' ? k.nimbus : k.dovecot;
        if (k.line === undefined && k.nimbus === undefined && k.dovecot === undefined) return true;
        return (
          (k.line !== undefined && matches(k.line, line, 'substring')) ||
          (own !== undefined && matches(own, line, 'substring'))
        );
      });
      if (entry) explainedBy.add(entry);
      else unexplained.push(`${side}: ${line}`);
    };
    for (const line of onlyNimbus) explain(line, 'nimbus');
    for (const line of onlyReference) explain(line, 'dovecot');
    out.push({
      script,
      index: i,
      session: (n ?? r).session,
      label,
      sent: (n ?? r).sent,
      nimbus: nLines,
      reference: rLines,
      onlyNimbus,
      onlyReference,
      unexplained,
      explainedBy: [...explainedBy],
    });
  }
  return out;
}

function matches(pattern: string | RegExp, value: string, how: 'exact' | 'prefix' | 'substring'): boolean {
  if (pattern instanceof RegExp) return pattern.test(value);
  if (how === 'exact') return pattern === value;
  if (how === 'prefix') return value.startsWith(pattern);
  return value.includes(pattern);
}

function multisetMinus(a: string[], b: string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const c = counts.get(x) ?? 0;
    if (c > 0) counts.set(x, c - 1);
    else out.push(x);
  }
  return out;
}

const clip = (s: string, n = 300): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A readable report; `all` includes the differences the allowlist explains. */
export function formatReport(diffs: StepDifference[], all = false): string {
  const lines: string[] = [];
  for (const d of diffs) {
    if (!all && !d.unexplained.length) continue;
    const state = d.unexplained.length
      ? 'UNEXPLAINED'
      : `known: ${d.explainedBy.map((k) => k.kind).join(', ')}`;
    lines.push(`── ${d.script} · step ${d.index} [${d.session}] ${clip(d.label, 100)}  (${state})`);
    lines.push(`   sent: ${clip(JSON.stringify(d.sent), 200)}`);
    for (const l of d.onlyNimbus) lines.push(`   - nimbus : ${clip(l)}`);
    for (const l of d.onlyReference) lines.push(`   + dovecot: ${clip(l)}`);
    for (const k of d.explainedBy) lines.push(`   = ${k.kind}: ${k.reason}`);
  }
  return lines.join('\n');
}

/** Allowlist entries that explained nothing in this run (fixed since, or the script changed). */
export function unusedEntries(
  known: KnownDifference[],
  diffs: StepDifference[],
  scripts: string[],
): KnownDifference[] {
  const used = new Set(diffs.flatMap((d) => d.explainedBy));
  return known.filter((k) => !used.has(k) && scripts.some((s) => matches(k.script, s, 'exact')));
}
