/**
 * Runs the differential scripts outside jest and prints the report:
 *   npx tsx test/integration/imap-differential/cli.ts [--all] [script-name-pattern]
 * `--all` also prints the differences the allowlist explains; `--transcript` prints both
 * normalised transcripts of every selected script.
 */
import { formatReport, unusedEntries } from '../../helpers/imap-diff/diff';
import { KNOWN_DIFFERENCES } from './known-differences';
import { ALL_SCRIPTS } from './scripts';
import { runAll, startServers } from './setup';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const all = args.includes('--all');
  const transcript = args.includes('--transcript');
  const pattern = args.find((a) => !a.startsWith('--'));
  const scripts = pattern ? ALL_SCRIPTS.filter((s) => new RegExp(pattern).test(s.name)) : ALL_SCRIPTS;
  const servers = await startServers(scripts);
  let unexplained = 0;
  try {
    const results = await runAll(servers, scripts, (r) => {
      for (const e of r.errors) console.log(`!! ${r.script.name}: ${e}`);
      const report = formatReport(r.diffs, all);
      if (report) console.log(report);
      if (transcript) {
        for (const [who, steps] of [
          ['nimbus', r.nimbus],
          ['dovecot', r.reference],
        ] as const) {
          console.log(`== ${r.script.name} on ${who}`);
          for (const s of steps)
            console.log(
              `  [${s.index} ${s.session}] ${s.label}\n${s.lines.map((l) => `      ${l}`).join('\n')}`,
            );
        }
      }
      unexplained += r.diffs.filter((d) => d.unexplained.length).length + r.errors.length;
    });
    const diffs = results.flatMap((r) => r.diffs);
    for (const k of unusedEntries(
      KNOWN_DIFFERENCES,
      diffs,
      scripts.map((s) => s.name),
    ))
      console.log(
        `(unused allowlist entry: ${String(k.script)} ${String(k.step ?? '')} ${String(k.line ?? '')} — ${k.kind})`,
      );
    console.log(`${scripts.length} scripts, ${diffs.length} differing steps, ${unexplained} unexplained`);
  } finally {
    await servers.close();
  }
  process.exitCode = unexplained ? 1 : 0;
}

void main();
