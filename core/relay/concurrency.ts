/**
 * Per-key concurrency limits (connections per destination domain): acquire() waits for a free
 * slot, release() hands it to the next waiter in FIFO order.
 */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async acquire(key: string): Promise<() => void> {
    const count = this.active.get(key) ?? 0;
    if (count < this.limit) {
      this.active.set(key, count + 1);
    } else {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push(resolve);
        this.waiting.set(key, queue);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(key);
    };
  }

  inUse(key: string): number {
    return this.active.get(key) ?? 0;
  }

  private release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(key);
    // The slot passes straight to the next waiter; the count stays the same.
    if (next) return next();
    const count = (this.active.get(key) ?? 1) - 1;
    if (count <= 0) this.active.delete(key);
    else this.active.set(key, count);
  }
}

/** Runs tasks with at most `limit` per key at once, and all of them to completion. */
export async function runLimited<T>(
  limiter: KeyedLimiter,
  items: { key: string; run: () => Promise<T> }[],
): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(
    items.map(async (item) => {
      const release = await limiter.acquire(item.key);
      try {
        return await item.run();
      } finally {
        release();
      }
    }),
  );
}
