/**
 * Mailbox change notifications. Sessions (IMAP IDLE, POP3, JMAP push) subscribe per account;
 * the local adapter is in-process, the cluster adapter crosses nodes (PostgreSQL LISTEN/NOTIFY).
 */
export interface MailboxChange {
  accountId: number;
  mailboxId: number;
  /** What changed: new messages, flags, expunges, the mailbox list, metadata, or subscriptions (mailboxId 0). */
  kind: 'append' | 'flags' | 'expunge' | 'mailboxes' | 'metadata' | 'subscriptions' | 'pim';
  modseq?: number;
  uid?: number;
  /** kind 'metadata': the entry names that changed (RFC 5464); mailboxId 0 for server entries. */
  entries?: string[];
  /** kind 'pim': the calendar or address book (core/pim) that changed; mailboxId is 0. */
  collectionId?: number;
}

export type MailboxChangeHandler = (change: MailboxChange) => void;

export interface MailboxEvents {
  publish(change: MailboxChange): Promise<void>;
  subscribe(accountId: number, handler: MailboxChangeHandler): () => void;
  close(): Promise<void>;
}
