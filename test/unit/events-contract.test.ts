/** The MailboxEvents contract on the in-process adapter (LISTEN/NOTIFY: test/integration/pg-contract.test.ts). */
import { InProcessEvents } from '../../core/adapters/local/in-process-events';
import { eventsContract } from '../contracts/events';

eventsContract('in-process', async () => {
  const events = new InProcessEvents();
  return [events, events];
});
