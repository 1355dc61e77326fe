/**
 * Starts both servers for the differential run: Nimbus (the IMAP e2e harness: a whole test node
 * on PGlite or NIMBUS_TEST_DATABASE_URL) and a private Dovecot with the same accounts. Used by
 * the jest suite and by `npx tsx test/integration/imap-differential/cli.ts`.
 */
import { addUser, startImapHarness, type ImapHarness } from '../../e2e/imap-harness';
import { startDovecotPeer, type DovecotPeer } from '../../helpers/dovecot-peer';
import {
  runDifferential,
  scriptAccounts,
  type DiffServer,
  type ScriptResult,
} from '../../helpers/imap-diff/run';
import type { Script } from '../../helpers/imap-diff/script';
import { parseItems, text } from '../../helpers/imap-diff/sexp';
import { WireClient } from '../../helpers/imap-diff/wire';
import { KNOWN_DIFFERENCES } from './known-differences';
import { ALL_SCRIPTS } from './scripts';

/** The STORAGE quota scripts named "quota*" give their users, on both servers. */
export const QUOTA_BYTES = 10 * 1024 * 1024;

export interface Servers {
  nimbus: ImapHarness;
  dovecot: DovecotPeer;
  close(): Promise<void>;
}

const quotaFor = (script: Script): number | undefined =>
  script.name.startsWith('quota') ? QUOTA_BYTES : undefined;

export async function startServers(scripts: Script[] = ALL_SCRIPTS): Promise<Servers> {
  const nimbus = await startImapHarness({ maxLiteralSize: 20 * 1024 * 1024 });
  try {
    const sharedPrefix = await otherUsersPrefix(nimbus);
    const users = scripts.flatMap((script, index) =>
      Object.values(scriptAccounts(script, index)).map((a) => ({ ...a, quotaBytes: quotaFor(script) })),
    );
    const dovecot = await startDovecotPeer({ users, sharedPrefix });
    return {
      nimbus,
      dovecot,
      async close() {
        await dovecot.stop();
        await nimbus.close();
      },
    };
  } catch (e) {
    await nimbus.close();
    throw e;
  }
}

/** Dovecot's shared namespace gets the prefix Nimbus announces for other users' mailboxes. */
async function otherUsersPrefix(nimbus: ImapHarness): Promise<string> {
  const fallback = 'Shared/';
  await addUser(nimbus, 'namespace-probe@example.test', 'probe-pw');
  const wire = await WireClient.connect(nimbus.port);
  try {
    await wire.waitFor((r) => r.startsWith('* OK'), 5_000);
    wire.write('L LOGIN namespace-probe@example.test probe-pw\r\nN NAMESPACE\r\n');
    await wire.waitFor((r) => r.startsWith('N '), 5_000);
    const line = wire.drain().find((r) => r.startsWith('* NAMESPACE '));
    const other = line ? parseItems(line.slice('* NAMESPACE '.length))[1] : undefined;
    const first = other?.t === 'list' ? other.items[0] : undefined;
    const prefix = first?.t === 'list' ? text(first.items[0]) : null;
    return prefix ?? fallback;
  } finally {
    wire.close();
  }
}

export async function runAll(
  servers: Servers,
  scripts: Script[] = ALL_SCRIPTS,
  onScript?: (r: ScriptResult) => void,
) {
  const nimbusServer: DiffServer = {
    name: 'nimbus',
    port: servers.nimbus.port,
    async accounts(script, index) {
      const accounts = scriptAccounts(script, index);
      for (const a of Object.values(accounts))
        await addUser(servers.nimbus, a.address, a.password, quotaFor(script));
      return accounts;
    },
  };
  const dovecotServer: DiffServer = {
    name: 'dovecot',
    port: servers.dovecot.port,
    accounts: async (script, index) => scriptAccounts(script, index),
  };
  return runDifferential(scripts, nimbusServer, dovecotServer, KNOWN_DIFFERENCES, onScript);
}
