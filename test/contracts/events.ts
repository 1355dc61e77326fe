/**
 * The MailboxEvents contract: in-process and PostgreSQL LISTEN/NOTIFY. `pair` gives two
 * instances that stand for two nodes (the in-process adapter: the same instance twice).
 */
import type { MailboxChange, MailboxEvents } from '../../core/ports/events';

export function eventsContract(name: string, pair: () => Promise<[MailboxEvents, MailboxEvents]>): void {
  describe(`MailboxEvents contract: ${name}`, () => {
    let a: MailboxEvents;
    let b: MailboxEvents;
    beforeEach(async () => {
      [a, b] = await pair();
    });
    afterEach(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    const waitFor = (list: MailboxChange[], n: number, ms = 5000) =>
      new Promise<void>((resolve, reject) => {
        const until = Date.now() + ms;
        const check = () =>
          list.length >= n
            ? resolve()
            : Date.now() > until
              ? reject(new Error(`got ${list.length} of ${n}`))
              : setTimeout(check, 20);
        check();
      });

    test('a change reaches subscribers of that account, on this node and the other', async () => {
      const here: MailboxChange[] = [];
      const there: MailboxChange[] = [];
      const other: MailboxChange[] = [];
      a.subscribe(1, (c) => here.push(c));
      b.subscribe(1, (c) => there.push(c));
      b.subscribe(2, (c) => other.push(c));
      await a.publish({ accountId: 1, mailboxId: 10, kind: 'append', uid: 5, modseq: 9 });
      await waitFor(here, 1);
      await waitFor(there, 1);
      expect(here[0]).toEqual({ accountId: 1, mailboxId: 10, kind: 'append', uid: 5, modseq: 9 });
      expect(there[0]).toEqual(here[0]);
      await new Promise((r) => setTimeout(r, 200));
      expect(other).toEqual([]);
      // No echo: one delivery per publish per subscriber.
      expect(here).toHaveLength(1);
    });

    test('unsubscribe stops delivery; a throwing subscriber does not stop the others', async () => {
      const got: MailboxChange[] = [];
      const off = b.subscribe(3, () => got.push({ accountId: -1, mailboxId: 0, kind: 'flags' }));
      b.subscribe(3, () => {
        throw new Error('broken subscriber');
      });
      b.subscribe(3, (c) => got.push(c));
      await a.publish({ accountId: 3, mailboxId: 1, kind: 'flags' });
      await waitFor(got, 2);
      off();
      await a.publish({ accountId: 3, mailboxId: 1, kind: 'expunge' });
      await waitFor(got, 3);
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((c) => c.kind)).toEqual(['flags', 'flags', 'expunge']);
    });
  });
}
