import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/nimbus.cjs');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `nimbus` command (as a user would) and returns its exit code and output. */
export function nimbus(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: 60000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `nimbus start` as a separate process: what an operator runs, and what a crash test can SIGKILL. */
/** Every port of a node on "any free port", the implicit-TLS ones included. */
export const ANY_PORTS_ARGS = [
  '--smtp-port',
  '0',
  '--submission-port',
  '0',
  '--imap-port',
  '0',
  '--pop3-port',
  '0',
  '--http-port',
  '0',
];
export const ANY_PORTS_ENV = {
  NIMBUS_SUBMISSIONS_PORT: '0',
  NIMBUS_IMAPS_PORT: '0',
  NIMBUS_POP3S_PORT: '0',
  NIMBUS_MANAGESIEVE_PORT: '0',
};

export class NodeProcess {
  child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly dataDir: string,
    readonly args: string[],
    readonly env: Record<string, string> = {},
    /** The script node runs: the TypeScript sources by default, or a built bundle. */
    readonly entry: string = BIN,
  ) {}

  async start(timeoutMs = 60000): Promise<Record<string, number>> {
    this.output = '';
    const child = spawn(process.execPath, [this.entry, '--data', this.dataDir, 'start', ...this.args], {
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + timeoutMs;
    while (!/nimbus: listening/.test(this.output)) {
      if (child.exitCode !== null) throw new Error(`node exited (${child.exitCode}): ${this.output}`);
      if (Date.now() > deadline) throw new Error(`node did not start: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return JSON.parse(readFileSync(path.join(this.dataDir, 'ports.json'), 'utf8')) as Record<string, number>;
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}
