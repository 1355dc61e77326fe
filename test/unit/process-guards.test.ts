import { spawn } from 'node:child_process';
import path from 'node:path';
import { EXIT_UNCAUGHT } from '../../containers/node/process-guards';

/**
 * The node's policy for errors nothing handled (docs/operations.md "Unexpected errors"), seen
 * from outside, in a real child process: a stray rejection is logged and the process serves on;
 * an uncaught exception is logged, the graceful stop runs, and the exit status tells the
 * supervisor to restart it. Neither is silent.
 */
const CHILD = path.join(__dirname, '../fixtures/process-guards/child.ts');

function run(mode: 'reject' | 'throw') {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', CHILD, mode], {
    cwd: path.join(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp) => {
    while (!pattern.test(output)) {
      if (child.exitCode !== null) throw new Error(`child exited: ${output}`);
      await new Promise((resolve) => child.stdout.once('data', resolve));
    }
    return pattern.exec(output)!;
  };
  return { child, exited, waitFor, output: () => output };
}

describe('process guards', () => {
  it('an unhandled rejection is logged with its stack, and the process keeps serving', async () => {
    const p = run('reject');
    try {
      const port = Number((await p.waitFor(/port (\d+)/))[1]);
      await p.waitFor(/unhandled promise rejection/);
      const line = JSON.parse(
        p
          .output()
          .split('\n')
          .find((l) => l.includes('unhandled promise rejection'))!,
      ) as {
        level: number;
        err: { message: string; stack: string };
      };
      expect(line.level).toBe(50); // error
      expect(line.err.message).toBe('nobody awaited this');
      expect(line.err.stack).toMatch(/child\.ts/);
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe('still serving');
      expect(p.child.exitCode).toBeNull();
    } finally {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });

  it('an uncaught exception is logged, the graceful stop runs, and the exit status is EX_SOFTWARE', async () => {
    const p = run('throw');
    const code = await p.exited;
    expect(code).toBe(EXIT_UNCAUGHT);
    const output = p.output();
    expect(output).toMatch(/nimbus: uncaught exception \(uncaughtException\): Error: thrown from a timer/);
    const fatal = JSON.parse(output.split('\n').find((l) => l.includes('"level":60'))!) as {
      err: { message: string };
    };
    expect(fatal.err.message).toBe('thrown from a timer');
    expect(output).toMatch(/graceful stop ran/);
  });
});
