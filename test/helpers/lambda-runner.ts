/**
 * Runs a Lambda asset as shipped: the asset directory is copied to a temporary directory outside
 * the repository (so Node's own module resolution finds only what the bundle carries, never the
 * repository's node_modules), and a child process `require()`s its handler file and invokes the
 * export once per event, as a warm Lambda container does. The environment is only what the
 * Lambda runtime sets plus the function's own variables; nothing leaks in from the test process.
 * Not the Lambda runtime itself (no Runtime API, no freeze between invocations): that exists
 * only in AWS.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';

const RUNNER = `
const path = require('node:path');
const [file, exportName] = process.argv.slice(2);
let handler;
let loadError;
try {
  handler = require(path.resolve(file))[exportName];
  if (typeof handler !== 'function') loadError = new Error(file + ' exports no function ' + exportName);
} catch (error) {
  loadError = error;
}
process.on('message', async ({ id, event }) => {
  const context = {
    awsRequestId: 'req-' + id,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30000,
  };
  try {
    if (loadError) throw loadError;
    const result = await handler(event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: { name: error && error.name, message: String(error && error.message), stack: error && error.stack } });
  }
});
process.send({ ready: true });
`;

export interface LambdaInvokeError {
  name: string;
  message: string;
  stack?: string;
}

export class LambdaProcess {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  output = '';

  private constructor(
    readonly root: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (message: { id?: number; result?: unknown; error?: LambdaInvokeError }) => {
      if (message.id === undefined) return;
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error)
        call?.reject(
          Object.assign(new Error(`${message.error.name}: ${message.error.message}`), message.error),
        );
      else call?.resolve(message.result);
    });
    child.on('exit', (code) => {
      for (const call of this.pending.values())
        call.reject(new Error(`function process exited (${code}): ${this.output}`));
      this.pending.clear();
    });
  }

  /**
   * Copies `assetDir` and starts it. `handler` is the template's Handler (`index.handler`);
   * `environment` the function's resolved variables plus the runtime's (see lambdaRuntimeEnv).
   */
  static async start(
    assetDir: string,
    handler: string,
    environment: Record<string, string>,
  ): Promise<LambdaProcess> {
    const root = mkdtempSync(path.join(os.tmpdir(), 'nimbus-lambda-'));
    const task = path.join(root, 'task');
    cpSync(assetDir, task, { recursive: true });
    const runner = path.join(root, 'runner.cjs');
    writeFileSync(runner, RUNNER);
    const dot = handler.lastIndexOf('.');
    const file = path.join(task, `${handler.slice(0, dot)}.js`);
    const child = fork(runner, [file, handler.slice(dot + 1)], {
      cwd: task,
      env: { ...environment, LAMBDA_TASK_ROOT: task },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const lambda = new LambdaProcess(root, child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) =>
        reject(new Error(`function process exited (${code}) at load: ${lambda.output}`)),
      );
    });
    return lambda;
  }

  invoke<T = unknown>(event: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, event });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** What the Lambda runtime puts in every function's environment (credentials: the test's). */
export function lambdaRuntimeEnv(options: {
  functionName: string;
  region: string;
  memorySize?: number;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySize ?? 128),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
  };
}
