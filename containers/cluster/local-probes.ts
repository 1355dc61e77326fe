/** Small helpers for processes on this machine: free ports, HTTP status probes, log tails. */
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * A free port below the kernel's ephemeral range (32768+): ports reserved now and bound later
 * (spare slots, restarts) must not be taken meanwhile by some outgoing connection.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (allocated.has(port)) continue;
    if (await canBind(port)) {
      allocated.add(port);
      return port;
    }
  }
  throw new Error('no free port in 20000-31999');
}
const allocated = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function httpStatus(port: number, urlPath: string): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** The last 15 lines of a log file, for error messages. */
export function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
