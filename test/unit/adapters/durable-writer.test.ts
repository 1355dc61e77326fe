/**
 * The durable writer's thread pool: a thread that goes idle is ended, and a write that arrives
 * just as that happens goes to a new thread instead of failing with "blob writer thread exited"
 * (the IMAP bench's one APPEND error on PostgreSQL).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DurableWriter } from '../../../core/adapters/local/durable-writer';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'durable-writer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('writes that arrive as an idle thread is retired all succeed', async () => {
  const writer = new DurableWriter(1, 5);
  for (let i = 0; i < 8; i++) {
    const target = path.join(dir, 'a', `f${i}`);
    await writer.write(path.join(dir, `t${i}`), target, Buffer.from(`blob ${i}`));
    // Wake right after the idle timer (set when the reply came in) has fired.
    await sleep(5);
    const next = path.join(dir, 'b', `g${i}`);
    await writer.write(path.join(dir, `u${i}`), next, Buffer.from(`next ${i}`));
    expect(readFileSync(next, 'utf8')).toBe(`next ${i}`);
  }
});
