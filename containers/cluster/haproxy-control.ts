/** HAProxy in front of a local cluster: config check and start, its runtime API's view of the servers, stop. */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { isAlive } from '../node/node-files';
import { renderHaproxyConfig, type HaproxyServer, type ServiceName } from './topology';
import { sleep } from './local-probes';

export interface HaproxySettings {
  bin: string;
  config: string;
  pidFile: string;
  socket: string;
  frontends: Record<ServiceName, number>;
}

/** Writes the config, has HAProxy check it, and starts it as a daemon. */
export async function startHaproxy(
  haproxy: HaproxySettings,
  servers: HaproxyServer[],
  checkIntervalMs: number,
): Promise<void> {
  const config = renderHaproxyConfig({
    frontends: haproxy.frontends,
    servers,
    statsSocket: haproxy.socket,
    checkIntervalMs,
  });
  await fs.writeFile(haproxy.config, config);
  const check = spawnSync(haproxy.bin, ['-c', '-q', '-f', haproxy.config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy config invalid: ${check.stderr || check.stdout}`);
  const run = spawnSync(haproxy.bin, ['-D', '-p', haproxy.pidFile, '-f', haproxy.config], {
    encoding: 'utf8',
    timeout: 15000,
  });
  if (run.status !== 0) throw new Error(`haproxy did not start: ${run.stderr || run.stdout}`);
}

/** HAProxy's view: backend/server → status (UP, DOWN, MAINT …) from the runtime API. */
export async function haproxyStatus(socketPath: string): Promise<Record<string, string>> {
  const csv = await haproxyCommand(socketPath, 'show stat');
  const out: Record<string, string> = {};
  const lines = csv.split('\n').filter(Boolean);
  const header = lines[0].replace(/^# /, '').split(',');
  const col = (name: string) => header.indexOf(name);
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    const server = fields[col('svname')];
    if (server === 'FRONTEND' || server === 'BACKEND') continue;
    out[`${fields[col('pxname')]}/${server}`] = fields[col('status')];
  }
  return out;
}

/** SIGTERM to the daemon of `pidFile`, SIGKILL after 5 s; the pid file is removed. */
export async function stopHaproxy(pidFile: string): Promise<void> {
  const haproxyPid = Number(await fs.readFile(pidFile, 'utf8').catch(() => '0'));
  if (haproxyPid > 0 && isAlive(haproxyPid)) {
    process.kill(haproxyPid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (isAlive(haproxyPid) && Date.now() < deadline) await sleep(50);
    if (isAlive(haproxyPid)) process.kill(haproxyPid, 'SIGKILL');
  }
  await fs.unlink(pidFile).catch(() => undefined);
}

function haproxyCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let out = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error('haproxy socket timeout')));
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}
