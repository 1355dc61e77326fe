/** What one mailed list command runs with: the list, who asked, and where its answers go. */
import type { ListDeps } from '../deps';
import type { MailingList } from '../types';

export interface CommandContext {
  deps: ListDeps;
  list: MailingList;
  /** The address that asked (From, else the envelope sender), lower case. */
  sender: string;
  /** Queue id of the message carrying the command (keys the notices it causes). */
  queueId: string;
  messageId: string | null;
  /** Adds a paragraph to the single reply the request gets. */
  reply(text: string): void;
}

export interface ListCommand {
  name: string;
  /** Arguments after the command word. */
  args: string[];
}
