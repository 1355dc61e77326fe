import { Worker } from 'node:worker_threads';

/**
 * Writes files durably on worker threads: each job is open, write, fsync, close, mkdir -p (the
 * parent of a directory it made fsynced too), rename into place and fsync of the final directory,
 * done with synchronous calls on a worker. On the main thread the same job is about ten libuv
 * round trips, which under load cost more of its time than anything else in the SMTP accept path
 * (bench profile); here it is one message each way, and the work runs beside the event loop.
 * The code runs as an inline CommonJS script, so it works the same from the sources, the bundle
 * and the tests.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const known = new Set();
function fsyncPath(p) {
  const fd = fs.openSync(p, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
function ensureDir(dir) {
  if (known.has(dir)) return;
  try {
    fs.mkdirSync(dir);
    fsyncPath(path.dirname(dir));
  } catch (error) {
    if (error.code === 'ENOENT') { ensureDir(path.dirname(dir)); return ensureDir(dir); }
    if (error.code !== 'EEXIST') throw error;
  }
  known.add(dir);
}
parentPort.on('message', ({ id, tmp, target, data }) => {
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const dir = path.dirname(target);
    ensureDir(dir);
    try {
      fs.renameSync(tmp, target);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      known.delete(dir); // removed behind our back: make it again, once
      ensureDir(dir);
      fs.renameSync(tmp, target);
    }
    fsyncPath(dir);
    parentPort.postMessage({ id });
  } catch (error) {
    try { fs.unlinkSync(tmp); } catch {}
    parentPort.postMessage({ id, error: String(error && error.message), code: error && error.code });
  }
});
`;

interface Job {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs sent to this worker and not answered yet. */
  pending: Set<number>;
  /** Ends the thread after a quiet while: an idle process (a CLI command, a test) holds none. */
  idle: NodeJS.Timeout | null;
}

const IDLE_MS = 2000;

export class DurableWriter {
  private readonly workers: Slot[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;

  constructor(
    private readonly size = 4,
    private readonly idleMs = IDLE_MS,
  ) {}

  private static instance: DurableWriter | null = null;

  /** One pool per process: every blob store of the process shares its threads. */
  static shared(): DurableWriter {
    return (DurableWriter.instance ??= new DurableWriter());
  }

  /** Writes `data` to `tmp`, fsyncs it, renames it to `target` and fsyncs `target`'s directory. */
  write(tmp: string, target: string, data: Buffer): Promise<void> {
    const slot = this.pick();
    const id = this.nextId++;
    slot.pending.add(id);
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    return new Promise<void>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, tmp, target, data });
    });
  }

  /** An idle worker, a new one while under `size`, else the least busy. */
  private pick(): Slot {
    const idle = this.workers.find((w) => w.pending.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.spawn();
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  /**
   * Ends an idle thread. It leaves the pool before terminate() is called: a write picked between
   * the call and the thread's exit would otherwise be sent to a dying thread and fail.
   */
  private retire(slot: Slot): void {
    if (slot.pending.size > 0) return;
    const index = this.workers.indexOf(slot);
    if (index >= 0) this.workers.splice(index, 1);
    void slot.worker.terminate();
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, pending: new Set(), idle: null };
    worker.on('message', (reply: { id: number; error?: string; code?: string }) => {
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) {
        slot.idle = setTimeout(() => this.retire(slot), this.idleMs);
        slot.idle.unref();
      }
      const job = this.jobs.get(reply.id);
      if (!job) return;
      this.jobs.delete(reply.id);
      if (reply.error === undefined) job.resolve();
      else job.reject(Object.assign(new Error(reply.error), { code: reply.code }));
    });
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      // A dead worker fails what it held; the next write starts a new one.
      if (slot.idle) clearTimeout(slot.idle);
      const index = this.workers.indexOf(slot);
      if (index >= 0) this.workers.splice(index, 1);
      for (const id of slot.pending) {
        this.jobs.get(id)?.reject(new Error('blob writer thread exited'));
        this.jobs.delete(id);
      }
      slot.pending.clear();
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref(); // never keeps the process alive
    this.workers.push(slot);
    return slot;
  }
}
