import type { StoredMessage } from '../../core/store/mailbox-store';

export interface MaildropEntry {
  number: number;
  message: StoredMessage;
  /** RFC 1939 §7 unique-id: UIDVALIDITY and UID never change for a stored message. */
  uid: string;
}

/**
 * The maildrop as fixed at login: message numbers never shift during the session, deletions are
 * only marks until QUIT (RFC 1939 §5, §6).
 */
export class Maildrop {
  private readonly entries: MaildropEntry[];
  private readonly deleted = new Set<number>();

  constructor(
    readonly accountId: number,
    readonly mailboxId: number,
    uidvalidity: number,
    messages: StoredMessage[],
  ) {
    this.entries = messages.map((message, index) => ({
      number: index + 1,
      message,
      uid: `${uidvalidity}.${message.uid}`,
    }));
  }

  /** The live (not deleted) entry with this number, or null. */
  get(number: number): MaildropEntry | null {
    const entry = this.entries[number - 1];
    return entry && !this.deleted.has(number) ? entry : null;
  }

  live(): MaildropEntry[] {
    return this.entries.filter((entry) => !this.deleted.has(entry.number));
  }

  stat(): { count: number; size: number } {
    const live = this.live();
    return { count: live.length, size: live.reduce((sum, entry) => sum + entry.message.size, 0) };
  }

  markDeleted(number: number): boolean {
    if (!this.get(number)) return false;
    this.deleted.add(number);
    return true;
  }

  reset(): void {
    this.deleted.clear();
  }

  /** UIDs to expunge at QUIT. */
  deletedUids(): number[] {
    return [...this.deleted].map((number) => this.entries[number - 1].message.uid);
  }
}
