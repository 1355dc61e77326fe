import type { MailboxChange, MailboxChangeHandler, MailboxEvents } from '../../ports/events';

/** Events for a single-node run: everything happens in this process. */
export class InProcessEvents implements MailboxEvents {
  private readonly handlers = new Map<number, Set<MailboxChangeHandler>>();

  async publish(change: MailboxChange): Promise<void> {
    for (const handler of this.handlers.get(change.accountId) ?? []) {
      try {
        handler(change);
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }

  subscribe(accountId: number, handler: MailboxChangeHandler): () => void {
    let set = this.handlers.get(accountId);
    if (!set) this.handlers.set(accountId, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(accountId);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
