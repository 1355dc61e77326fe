/**
 * Runs the differential scripts outside jest and prints the report:
 *   npx tsx test/integration/imap-differential/cli.ts [--all] [script-name-pattern]
 * `--all` also prints the differences the allowlist explains; `--transcript` prints both
 * normalised transcripts of every selected script. `--save=file.json` keeps the raw responses,
 * `--replay=file.json` compares a saved run again (after changing the normaliser or the
 * allowlist) without starting any server. `--doc` prints the allowlist as the Markdown list
 * that docs/imap.md ("Differential test against Dovecot") carries.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { formatReport, unusedEntries } from '../../helpers/imap-diff/diff';
import { compareRecords, type ScriptResult } from '../../helpers/imap-diff/run';
import type { StepRecord } from '../../helpers/imap-diff/script';
import { KNOWN_DIFFERENCES } from './known-differences';
import { ALL_SCRIPTS } from './scripts';
import { runAll, startServers } from './setup';

type Saved = Record<string, { nimbus: StepRecord[]; reference: StepRecord[]; errors: string[] }>;

function show(r: ScriptResult, all: boolean, transcript: boolean): void {
  for (const e of r.errors) console.log(`!! ${r.script.name}: ${e}`);
  const report = formatReport(r.diffs, all);
  if (report) console.log(report);
  if (!transcript) return;
  for (const [who, steps] of [
    ['nimbus', r.nimbus],
    ['dovecot', r.reference],
  ] as const) {
    console.log(`== ${r.script.name} on ${who}`);
    for (const s of steps)
      console.log(`  [${s.index} ${s.session}] ${s.label}\n${s.lines.map((l) => `      ${l}`).join('\n')}`);
  }
}

/** The allowlist as Markdown, grouped by kind, for docs/imap.md. */
function allowlistMarkdown(): string {
  const order = [
    'nimbus-gap',
    'dovecot-lacks',
    'dovecot-deviates',
    'rfc-allows-both',
    'environment',
    'out-of-scope',
  ];
  const out: string[] = [];
  for (const kind of order) {
    const entries = KNOWN_DIFFERENCES.filter((k) => k.kind === kind);
    if (!entries.length) continue;
    out.push(`**${kind}** (${entries.length})`, '');
    for (const k of entries) {
      const where = [
        k.script instanceof RegExp
          ? String(k.script) === '/./'
            ? 'all scripts'
            : String(k.script)
          : k.script,
      ];
      if (k.step) where.push(String(k.step));
      out.push(`- ${where.map((w) => `\`${w.replace(/`/g, "'")}\``).join(' · ')}: ${k.reason}`);
    }
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--doc')) {
    console.log(allowlistMarkdown());
    return;
  }
  const option = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const all = args.includes('--all');
  const transcript = args.includes('--transcript');
  const pattern = args.find((a) => !a.startsWith('--'));
  const scripts = pattern ? ALL_SCRIPTS.filter((s) => new RegExp(pattern).test(s.name)) : ALL_SCRIPTS;
  let results: ScriptResult[];
  const replay = option('replay');
  if (replay) {
    const saved = JSON.parse(readFileSync(replay, 'utf8')) as Saved;
    results = scripts
      .filter((s) => saved[s.name])
      .map((s) =>
        compareRecords(
          s,
          saved[s.name].nimbus,
          saved[s.name].reference,
          KNOWN_DIFFERENCES,
          saved[s.name].errors,
        ),
      );
    for (const r of results) show(r, all, transcript);
  } else {
    const servers = await startServers(scripts);
    try {
      results = await runAll(servers, scripts, (r) => show(r, all, transcript));
    } finally {
      await servers.close();
    }
  }
  const save = option('save');
  if (save) {
    const out: Saved = {};
    for (const r of results) out[r.script.name] = { ...r.raw, errors: r.errors };
    writeFileSync(save, JSON.stringify(out));
  }
  const diffs = results.flatMap((r) => r.diffs);
  const unexplained =
    diffs.filter((d) => d.unexplained.length).length + results.reduce((n, r) => n + r.errors.length, 0);
  for (const k of unusedEntries(
    KNOWN_DIFFERENCES,
    diffs,
    results.map((r) => r.script.name),
  ))
    console.log(
      `(unused allowlist entry: ${String(k.script)} · ${String(k.step ?? '*')} — ${k.kind}: ${k.reason})`,
    );
  console.log(`${results.length} scripts, ${diffs.length} differing steps, ${unexplained} unexplained`);
  process.exitCode = unexplained ? 1 : 0;
}

void main();
