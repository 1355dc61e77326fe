/**
 * The session's view of its selected mailbox: the UID ↔ sequence number map as this client
 * knows it, the \Recent messages it owns, and the MODSEQ up to which it has been told about
 * changes. Expunges seen while they may not be reported (during FETCH, STORE, SEARCH) wait
 * in `pendingExpunges`; their sequence numbers stay valid until then.
 */
import type { MailboxRow } from '../../core/store/mailbox-store';
import { ParseError } from './parser/tokenizer';
import { SYSTEM_FLAGS, type SequenceSet } from './parser/grammar';

/** Keywords offered in FLAGS even before any message carries them. */
export const COMMON_KEYWORDS = ['$Forwarded', '$MDNSent', '$Junk', '$NotJunk'];

export class SelectedMailbox {
  uids: number[];
  readonly recent = new Set<number>();
  /** Changes at or below this MODSEQ have been reported. */
  modseq: number;
  readonly pendingExpunges = new Set<number>();
  /** Flag changes this session made itself (uid → modseq): not echoed back as unsolicited FETCH. */
  readonly own = new Map<number, number>();
  /** Keywords announced in FLAGS (RFC 9051 §7.3.5), in order; `announcedLower` for lookups. */
  private readonly keywords: string[] = [];
  private readonly announcedLower = new Set<string>();

  constructor(
    readonly mailbox: MailboxRow,
    readonly readOnly: boolean,
    uids: number[],
    modseq: number,
    keywords: string[] = [],
  ) {
    this.uids = uids;
    this.modseq = modseq;
    this.unannounced([...COMMON_KEYWORDS, ...keywords]);
  }

  /** The FLAGS list as announced so far: system flags, then keywords. */
  get flagList(): string[] {
    return [...SYSTEM_FLAGS, ...this.keywords];
  }

  /**
   * Records the keywords of `flags` this client has not been told about yet and returns them
   * (empty when FLAGS need not be sent again). Keywords compare case-insensitively.
   */
  unannounced(flags: readonly string[]): string[] {
    const fresh: string[] = [];
    for (const flag of flags) {
      if (flag.startsWith('\\')) continue;
      const lower = flag.toLowerCase();
      if (this.announcedLower.has(lower)) continue;
      this.announcedLower.add(lower);
      this.keywords.push(flag);
      fresh.push(flag);
    }
    return fresh;
  }

  get id(): number {
    return this.mailbox.id;
  }

  get exists(): number {
    return this.uids.length;
  }

  get maxUid(): number {
    return this.uids.length > 0 ? this.uids[this.uids.length - 1] : 0;
  }

  /** Index of the first uid >= value. */
  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.uids[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  seqOf(uid: number): number {
    const i = this.lowerBound(uid);
    return i < this.uids.length && this.uids[i] === uid ? i + 1 : 0;
  }

  has(uid: number): boolean {
    return this.seqOf(uid) > 0;
  }

  /** Removes an expunged uid; returns its former sequence number (0 if unknown). */
  remove(uid: number): number {
    const seq = this.seqOf(uid);
    if (seq > 0) this.uids.splice(seq - 1, 1);
    this.recent.delete(uid);
    this.pendingExpunges.delete(uid);
    return seq;
  }

  add(uids: number[]): void {
    for (const uid of uids) if (uid > this.maxUid) this.uids.push(uid);
  }

  /**
   * UIDs (ascending) named by a sequence set, by sequence numbers or by UIDs. Ranges are
   * resolved by binary search, so 1:4294967295 costs no more than 1:10.
   * @throws ParseError for sequence numbers beyond the mailbox.
   */
  resolve(set: SequenceSet, byUid: boolean, saved: number[] | null): number[] {
    if (set.saved) return (saved ?? []).filter((uid) => this.has(uid));
    const n = this.uids.length;
    const picked: number[] = [];
    if (byUid) {
      const star = this.maxUid;
      for (const [a, b] of set.ranges) {
        let from = a === -1 ? star : a;
        let to = b === -1 ? star : b;
        if (from > to) [from, to] = [to, from];
        if (n === 0) continue;
        // "*" with UIDs always names the highest UID, even if the range lies above it.
        if (a === -1 || b === -1) from = Math.min(from, star);
        const start = this.lowerBound(from);
        for (let i = start; i < n && this.uids[i] <= to; i++) picked.push(this.uids[i]);
      }
    } else {
      for (const [a, b] of set.ranges) {
        if (n === 0) {
          if (a === -1 && b === -1) continue;
          if (a === -1 || b === -1) continue;
          throw new ParseError('Invalid message sequence number (mailbox is empty)');
        }
        let from = a === -1 ? n : a;
        let to = b === -1 ? n : b;
        if (from > to) [from, to] = [to, from];
        if (to > n) throw new ParseError(`Invalid message sequence number: ${to} (only ${n} messages)`);
        for (let i = from; i <= to; i++) picked.push(this.uids[i - 1]);
      }
    }
    if (set.ranges.length <= 1) return picked;
    return [...new Set(picked)].sort((x, y) => x - y);
  }
}
