import { userInfo } from 'node:os';
import type { AdminCommand } from '../../core/admin/admin-commands';
import { AdminError } from '../../core/admin/admin-error';
import type { NodeConfig } from './config';
import { readNodeFile } from './node-files';

/**
 * Runs an admin command where it can run safely: through the running node's admin endpoint when a
 * node owns the data dir (its embedded database belongs to it), or directly against the database
 * otherwise (admin-direct.ts).
 */
export async function runAdmin(config: NodeConfig, command: AdminCommand): Promise<unknown> {
  const actor = cliActor();
  const node = await readNodeFile(config.dataDir);
  if (node && node.ports.http) return viaNode(node.host, node.ports.http, node.token, command, actor);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: storage only on this path
  const { runAdminDirect } = require('./admin-direct') as typeof import('./admin-direct');
  return runAdminDirect(config, command, actor);
}

/** `cli:<os user>` for the audit log (the login name; the uid where the system has no name for it). */
export function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return `cli:${name.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64) || 'unknown'}`;
}

async function viaNode(
  host: string,
  port: number,
  token: string,
  command: AdminCommand,
  actor: string,
): Promise<unknown> {
  const hostPart = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${hostPart}:${port}/internal/admin`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-nimbus-actor': actor,
      },
      body: JSON.stringify(command),
    });
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw Object.assign(new Error(`cannot reach the running node at ${url}: ${cause}`), {
      code: 'ECONNREFUSED',
    });
  }
  const body = (await response.json()) as { result?: unknown; error?: string; code?: string };
  if (response.status === 422) throw new AdminError(body.code ?? 'error', body.error ?? 'failed');
  if (!response.ok) throw new Error(`node answered ${response.status}: ${body.error ?? 'error'}`);
  return body.result;
}
