/**
 * Waiting for changes in some collections of an account (Ping, and a Sync with Wait or
 * HeartbeatInterval): woken by the MailboxEvents port, the same push path as IMAP IDLE, and
 * re-checked periodically so a change whose event was missed (another node, a lost
 * notification) is still seen. No database connection is held while waiting; `check` runs
 * its queries and returns.
 */
import type { MailboxChange, MailboxEvents } from '../../ports/events';

/** Hierarchy changes (a folder created, renamed, deleted) are reported under this id. */
export const HIERARCHY = '*';

/** The collection (of `ids`) a change is about: "m<mailbox>" for mail, "c<id>"/"a<id>" for PIM. */
export function collectionTouched(change: MailboxChange, ids: ReadonlySet<string>): string | null {
  if (change.kind === 'mailboxes') return HIERARCHY;
  if (change.kind === 'pim' && change.collectionId !== undefined) {
    for (const prefix of ['c', 'a']) {
      const id = `${prefix}${change.collectionId}`;
      if (ids.has(id)) return id;
    }
    return null;
  }
  if (change.kind === 'append' || change.kind === 'flags' || change.kind === 'expunge') {
    const id = `m${change.mailboxId}`;
    return ids.has(id) ? id : null;
  }
  return null;
}

export interface WaitOptions<T> {
  events: MailboxEvents;
  accountId: number;
  collectionIds: readonly string[];
  timeoutMs: number;
  recheckMs: number;
  /** A result ends the wait; null keeps waiting. `touched` holds the ids events named so far. */
  check(touched: ReadonlySet<string>): Promise<T | null>;
}

/** The first non-null check, or null when the time is up. */
export async function waitForChanges<T>(o: WaitOptions<T>): Promise<T | null> {
  const ids = new Set(o.collectionIds);
  const touched = new Set<string>();
  let signalled = false;
  let wake: (() => void) | null = null;
  const unsubscribe = o.events.subscribe(o.accountId, (change) => {
    const id = collectionTouched(change, ids);
    if (id === null) return;
    touched.add(id);
    signalled = true;
    wake?.();
  });
  const deadline = Date.now() + o.timeoutMs;
  try {
    for (;;) {
      signalled = false;
      const result = await o.check(touched);
      if (result !== null) return result;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      if (signalled) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, o.recheckMs));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (!signalled && Date.now() >= deadline) return null;
    }
  } finally {
    unsubscribe();
  }
}
