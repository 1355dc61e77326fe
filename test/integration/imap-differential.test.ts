/**
 * The differential test against Dovecot 2.3 (issue #13): every script in
 * test/integration/imap-differential/scripts goes to Nimbus and to a private Dovecot; the
 * normalised untagged and tagged responses must be equal, except for the reviewed differences
 * in known-differences.ts. Skipped (with a message) when Dovecot is not installed, except in CI,
 * where that is a failure. `npx tsx test/integration/imap-differential/cli.ts` prints the same
 * report outside jest.
 */
import { DOVECOT_BINARY, dovecotAvailable } from '../helpers/dovecot-peer';
import { formatReport, unusedEntries } from '../helpers/imap-diff/diff';
import type { ScriptResult } from '../helpers/imap-diff/run';
import { KNOWN_DIFFERENCES } from './imap-differential/known-differences';
import { ALL_SCRIPTS } from './imap-differential/scripts';
import { runAll, startServers, type Servers } from './imap-differential/setup';

const available = dovecotAvailable();
const inCi = process.env.CI === 'true';

if (!available && !inCi) {
  console.warn(
    `imap-differential: ${DOVECOT_BINARY} is not installed (apt-get install dovecot-imapd); suite skipped`,
  );
}

const suite = available || inCi ? describe : describe.skip;

suite('IMAP differential test against Dovecot', () => {
  let servers: Servers | undefined;
  let results: ScriptResult[] = [];

  beforeAll(async () => {
    if (!available)
      throw new Error('CI=true but Dovecot (dovecot-imapd) is not installed: .ci/run installs it');
    servers = await startServers(ALL_SCRIPTS);
    results = await runAll(servers, ALL_SCRIPTS);
  }, 600_000);

  afterAll(async () => {
    await servers?.close();
  });

  it('runs every script on both servers', () => {
    const errors = results.flatMap((r) => r.errors.map((e) => `${r.script.name}: ${e}`));
    expect(errors).toEqual([]);
    expect(results.map((r) => r.script.name)).toEqual(ALL_SCRIPTS.map((s) => s.name));
    // A server that answered nothing would compare equal to nothing: both must have answered.
    for (const r of results) {
      expect(r.nimbus.length).toBe(r.script.steps.length);
      expect(r.reference.length).toBe(r.script.steps.length);
    }
  });

  it('has no differences beyond the reviewed allowlist', () => {
    const diffs = results.flatMap((r) => r.diffs);
    const unused = unusedEntries(
      KNOWN_DIFFERENCES,
      diffs,
      ALL_SCRIPTS.map((s) => s.name),
    );
    if (unused.length) {
      // Not a failure (other work may just have fixed a nimbus-gap), but worth pruning.
      console.warn(
        `imap-differential: allowlist entries that matched nothing:\n${unused
          .map((k) => `  ${String(k.script)} ${String(k.step ?? '')} (${k.kind}): ${k.reason}`)
          .join('\n')}`,
      );
    }
    const report = formatReport(diffs);
    expect(report).toBe('');
  });
});
