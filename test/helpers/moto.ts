/**
 * A moto server (Python's AWS emulator) on a free loopback port, for the AWS adapter suites.
 * The adapters find it through the SDK's standard settings only (AWS_ENDPOINT_URL_S3/_SQS, and
 * AWS_ENDPOINT_URL for every other service, AWS_REGION, static test credentials): no emulator code
 * in the adapters.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './ports';

export interface Moto {
  endpoint: string;
  port: number;
  /** The environment a node needs to use this moto. */
  env: Record<string, string>;
  /** Stops the server (simulates S3 and SQS both going away). */
  stop(): Promise<void>;
  /** Starts it again on the same port (state is lost: moto keeps it in memory). */
  restart(): Promise<void>;
}

export function motoAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
}

async function waitUp(endpoint: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('moto did not start');
}

/** Starts moto and sets the AWS_* variables in this process (the SDK reads them). */
export async function startMoto(options: { setEnv?: boolean } = {}): Promise<Moto> {
  if (!motoAvailable()) {
    throw new Error('moto is not installed for python3 (pip install "moto[server]"); the AWS suites need it');
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
      env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
    });
    await waitUp(endpoint, child);
  };
  await launch();
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ENDPOINT_URL_SQS: endpoint,
    // Every other client (ECS, ELBv2, Application Auto Scaling, SNS, DynamoDB, EventBridge …).
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  if (options.setEnv !== false) Object.assign(process.env, env);
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { endpoint, port, env, stop, restart: async () => (await stop(), await launch()) };
}

/**
 * A TCP proxy in front of moto, to make S3/SQS fail on demand without losing moto's state:
 * `pass` forwards, `refuse` drops every connection (service unreachable), `blackhole` accepts
 * and never answers (service slow: the SDK's request timeout fires).
 */
export interface FaultProxy {
  endpoint: string;
  mode: 'pass' | 'refuse' | 'blackhole';
  close(): Promise<void>;
}

export async function startFaultProxy(target: { port: number }): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: FaultProxy = { endpoint: '', mode: 'pass', close: async () => undefined };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (proxy.mode === 'refuse') return void client.destroy();
    if (proxy.mode === 'blackhole') return void client.resume();
    const upstream = net.connect(target.port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  proxy.endpoint = `http://127.0.0.1:${port}`;
  const setMode = (mode: FaultProxy['mode']) => {
    // Established keep-alive connections die too: the outage is total.
    if (mode !== 'pass') for (const socket of sockets) socket.destroy();
    modeValue = mode;
  };
  let modeValue: FaultProxy['mode'] = 'pass';
  Object.defineProperty(proxy, 'mode', { get: () => modeValue, set: setMode });
  proxy.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}
