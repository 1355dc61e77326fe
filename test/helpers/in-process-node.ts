import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../containers/node/config';
import { startNode, type RunningNode } from '../../containers/node/node';
import { createTestDatabaseUrl } from './test-database';

export interface TestNode extends RunningNode {
  dataDir: string;
  /** Stops the node and removes its data. */
  destroy(): Promise<void>;
}

/** A whole node in this process on free ports, a temp data dir, and the embedded database (or the CI PostgreSQL). */
export async function startTestNode(
  overrides: Record<string, unknown> = {},
  /** Injected dependencies, e.g. a DNS resolver with test records (security checks). */
  deps: Parameters<typeof startNode>[2] = {},
): Promise<TestNode> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-test-'));
  const database = await createTestDatabaseUrl();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      databaseUrl: database.url,
      hostname: 'mx.test.example',
      'ports.smtp': 0,
      'ports.submission': 0,
      'ports.submissions': 0,
      'ports.imap': 0,
      'ports.imaps': 0,
      'ports.pop3': 0,
      'ports.pop3s': 0,
      'ports.managesieve': 0,
      'ports.http': 0,
      'delivery.pollIntervalMs': 50,
      ...overrides,
    },
  });
  const log = pino({ level: process.env.NIMBUS_TEST_LOG ?? 'silent' });
  const node = await startNode(config, log, deps);
  return Object.assign(node, {
    dataDir,
    async destroy() {
      await node.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export { eventually } from './eventually';
