/**
 * Mailbox change notifications. Sessions (IMAP IDLE, POP3, JMAP push) subscribe per account;
 * the local adapter is in-process, the cluster adapter crosses nodes (PostgreSQL LISTEN/NOTIFY).
 */
export interface MailboxChange {
  accountId: number;
  mailboxId: number;
  /** What changed: new messages, flags, expunges, or the mailbox list itself. */
  kind: 'append' | 'flags' | 'expunge' | 'mailboxes';
  modseq?: number;
  uid?: number;
}

export type MailboxChangeHandler = (change: MailboxChange) => void;

export interface MailboxEvents {
  publish(change: MailboxChange): Promise<void>;
  subscribe(accountId: number, handler: MailboxChangeHandler): () => void;
  close(): Promise<void>;
}
