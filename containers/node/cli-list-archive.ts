import type { Command } from 'commander';
import type { NodeConfig } from './config';
import { readNodeFile } from './node-files';

/** The admin API's paging header (functions/admin/list-archive-routes.ts NEXT_AFTER_HEADER). */
const NEXT_AFTER = 'x-nimbus-next-after';

export interface ArchiveExportOptions {
  url?: string;
  token?: string;
}

/** Where the admin API is: --url, else the running node of this data dir (its HTTP port). */
async function baseUrl(config: NodeConfig, given?: string): Promise<string> {
  if (given) return given.replace(/\/+$/, '');
  const node = await readNodeFile(config.dataDir);
  if (!node?.ports.http) {
    throw new Error('no running node owns this data dir: start one, or give --url of the web role');
  }
  const host = node.host.includes(':') ? `[${node.host}]` : node.host === '0.0.0.0' ? '127.0.0.1' : node.host;
  return `http://${host}:${node.ports.http}`;
}

/** Admin credentials: --token / NIMBUS_ADMIN_TOKEN (a bearer token), or NIMBUS_ADMIN_USER + NIMBUS_ADMIN_PASSWORD. */
function authorization(token?: string): string {
  const bearer = token ?? process.env.NIMBUS_ADMIN_TOKEN;
  if (bearer) return `Bearer ${bearer}`;
  const user = process.env.NIMBUS_ADMIN_USER;
  const password = process.env.NIMBUS_ADMIN_PASSWORD;
  if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  throw new Error('give --token or set NIMBUS_ADMIN_TOKEN (or NIMBUS_ADMIN_USER and NIMBUS_ADMIN_PASSWORD)');
}

/**
 * Streams a list's archive as mboxrd to `out`, page by page from
 * GET /api/admin/lists/{list}/archive.mbox (so neither side holds the whole archive). Returns the
 * number of messages written.
 */
export async function exportListArchive(
  config: NodeConfig,
  list: string,
  options: ArchiveExportOptions,
  out: (chunk: Buffer) => Promise<void>,
): Promise<number> {
  const base = await baseUrl(config, options.url);
  const auth = authorization(options.token);
  let after: string | null = null;
  let count = 0;
  do {
    const url: string = `${base}/api/admin/lists/${encodeURIComponent(list)}/archive.mbox${after ? `?after=${after}` : ''}`;
    const response: Response = await fetch(url, { headers: { authorization: auth } });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: the text as it came
      }
      throw Object.assign(new Error(`archive export failed (${response.status}): ${message}`), {
        code: response.status === 404 ? 'not-found' : 'failed',
      });
    }
    await out(Buffer.from(await response.arrayBuffer()));
    count += Number(response.headers.get('x-nimbus-messages') ?? 0);
    after = response.headers.get(NEXT_AFTER);
  } while (after);
  return count;
}

const writeStdout = (chunk: Buffer): Promise<void> =>
  new Promise((resolve, reject) =>
    process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())),
  );

/**
 * `nimbus list archive-export <list> > file.mbox` (mboxrd). Joins the `list` group of
 * cli-lists.ts (register after it), or makes the group when that is absent.
 */
export function registerListArchiveCommands(program: Command, config: () => NodeConfig): void {
  const list =
    program.commands.find((c) => c.name() === 'list') ?? program.command('list').description('mailing lists');
  list
    .command('archive-export <list>')
    .description("write the list's archive to standard output as an mbox (mboxrd) file")
    .option('--url <base>', 'web base of the admin API (default: the running node of the data dir)')
    .option('--token <token>', 'admin bearer token (default NIMBUS_ADMIN_TOKEN)')
    .action(async (address: string, o: ArchiveExportOptions) => {
      const count = await exportListArchive(config(), address, o, writeStdout);
      process.stderr.write(`nimbus: ${count} message(s) exported\n`);
    });
}
