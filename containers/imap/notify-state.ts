/**
 * NOTIFY (RFC 5465) for one session: what the client asked for, the changes seen since the last
 * report (counted against `notifyMaxPending`, beyond which NOTIFICATIONOVERFLOW turns it all
 * off), and their delivery. Delivery runs in the session's command loop, so it never interleaves
 * with a command: before and after each command, and while the client waits between commands
 * (IDLE or not, §1). Until the first NOTIFY the session behaves as plain IMAP (active = false).
 */
import type { MailboxChange } from '../../core/ports/events';
import type { MailboxRow } from '../../core/store/mailbox-store';
import { fetch } from './commands/fetch';
import { formatSequenceSet } from './format/strings';
import { eventsFor, selectedGroup } from './notify-filter';
import { listLine, metadataLine, statusLine, type ListFacts } from './notify-report';
import type { EventGroup, KnownEvent } from './parser/notify-grammar';
import { Tokenizer } from './parser/tokenizer';
import type { SelectedMailbox } from './selected';
import type { ImapSession } from './session';

/** Changes a session may hold unreported before NOTIFY gives up on it (RFC 5465 §5.8). */
export const DEFAULT_NOTIFY_MAX_PENDING = 5000;

const MESSAGE_EVENT_OF: Record<string, KnownEvent> = {
  append: 'MessageNew',
  expunge: 'MessageExpunge',
  flags: 'FlagChange',
};

/** What the counters of a mailbox were when last looked at. */
interface Counters {
  uidnext: number;
  messages: number;
  modseq: number;
}

interface Snapshot {
  /** Mailbox id → name, to tell creations, deletions and renames apart (MailboxName). */
  names: Map<number, string>;
  subscriptions: Set<string>;
  /** Mailbox id → counters: a resync ('mailboxes') finds changes whose events were missed. */
  counters: Map<number, Counters>;
}

const countersOf = (row: MailboxRow): Counters => ({
  uidnext: row.uidnext,
  messages: row.message_count,
  modseq: row.highestmodseq,
});

/** The message changes two counter readings imply (new UIDs, fewer messages than that, other). */
function changesBetween(before: Counters, now: Counters): string[] {
  if (now.modseq === before.modseq && now.uidnext === before.uidnext) return [];
  const added = now.uidnext - before.uidnext;
  const kinds: string[] = [];
  if (added > 0) kinds.push('append');
  if (now.messages < before.messages + added) kinds.push('expunge');
  if (kinds.length === 0) kinds.push('flags');
  return kinds;
}

export class NotifyState {
  /** NOTIFY SET / NONE was used: it, not IDLE, decides what is pushed (§4). */
  private active = false;
  private groups: EventGroup[] = [];
  /** Mailbox id → kinds of message changes (other mailboxes than the selected one). */
  private messages = new Map<number, Set<string>>();
  /** Mailbox id (0: server) → metadata entry names. */
  private metadata = new Map<number, Set<string>>();
  private listChanged = false;
  private subscriptionsChanged = false;
  private selectedChanged = false;
  private pending = 0;
  private overflowed = false;
  private snapshot: Snapshot = { names: new Map(), subscriptions: new Set(), counters: new Map() };

  constructor(private readonly session: ImapSession) {}

  /** NOTIFY was used on this session (RFC 5465 §5.1: unsolicited flag FETCHes then carry UID). */
  get enabled(): boolean {
    return this.active;
  }

  private get limit(): number {
    return this.session.options.notifyMaxPending ?? DEFAULT_NOTIFY_MAX_PENDING;
  }

  /** NOTIFY NONE (and what an overflow falls back to). */
  none(): void {
    this.active = true;
    this.groups = [];
    this.clear();
  }

  /**
   * NOTIFY SET: remembers the groups; with STATUS, the current STATUS of each watched mailbox
   * (§3.1). False (nothing changed) when more mailboxes would be watched for message events than
   * the session may hold changes: one round of mail would overflow at once (NO [NOTIFICATIONOVERFLOW]).
   */
  async set(groups: EventGroup[], status: boolean): Promise<boolean> {
    const s = this.session;
    const facts = await this.facts();
    const watched = facts.rows.filter((row) => {
      if (row.id === s.selected?.id) return false;
      const events = eventsFor(groups, { name: row.name, subscribed: facts.subscriptions.has(row.name) });
      return events.has('MessageNew') || events.has('MessageExpunge');
    });
    if (watched.length > this.limit) return false;
    this.active = true;
    this.groups = groups;
    this.clear();
    this.snapshot = {
      names: new Map(facts.rows.map((row) => [row.id, row.name])),
      subscriptions: new Set(facts.subscriptions),
      counters: new Map(facts.rows.map((row) => [row.id, countersOf(row)])),
    };
    if (!status) return true;
    for (const row of watched) {
      const events = eventsFor(groups, { name: row.name, subscribed: facts.subscriptions.has(row.name) });
      s.send(...(await statusLine(s, row, events.has('FlagChange'))));
    }
    return true;
  }

  private clear(): void {
    this.messages.clear();
    this.metadata.clear();
    this.listChanged = false;
    this.subscriptionsChanged = false;
    this.selectedChanged = false;
    this.pending = 0;
  }

  /**
   * A change from the Events port. Returns false while NOTIFY has not been used (the session
   * then reports as plain IMAP does); otherwise records it and asks the session to deliver.
   */
  observe(change: MailboxChange): boolean {
    if (!this.active) return false;
    const s = this.session;
    const selected = s.selected;
    const own = change.accountId === s.account?.id;
    let wanted = false;
    if (selected && (change.mailboxId === selected.id || change.kind === 'mailboxes')) {
      // A shared mailbox's owner's events arrive here too; only the selected one concerns us.
      if (selectedGroup(this.groups)?.events.size) wanted = this.selectedChanged = true;
    }
    if (own && this.groups.length > 0) {
      wanted = this.record(change) || wanted;
    }
    if (!wanted) return true;
    if (++this.pending > this.limit) {
      // §5.8: tell the client once, then behave as after NOTIFY NONE.
      this.groups = [];
      this.clear();
      this.overflowed = true;
    }
    s.notifyPending();
    return true;
  }

  private record(change: MailboxChange): boolean {
    switch (change.kind) {
      case 'append':
      case 'expunge':
      case 'flags': {
        if (change.mailboxId === this.session.selected?.id) return false;
        let kinds = this.messages.get(change.mailboxId);
        if (!kinds) this.messages.set(change.mailboxId, (kinds = new Set()));
        kinds.add(change.kind);
        return true;
      }
      case 'mailboxes':
        this.listChanged = true;
        return true;
      case 'subscriptions':
        this.subscriptionsChanged = true;
        return true;
      case 'metadata': {
        let entries = this.metadata.get(change.mailboxId);
        if (!entries) this.metadata.set(change.mailboxId, (entries = new Set()));
        for (const entry of change.entries ?? []) entries.add(entry);
        return true;
      }
      default:
        return false;
    }
  }

  /** True when something waits for delivery. */
  get hasWork(): boolean {
    return (
      this.overflowed ||
      this.selectedChanged ||
      this.listChanged ||
      this.subscriptionsChanged ||
      this.messages.size > 0 ||
      this.metadata.size > 0
    );
  }

  /**
   * The session's report on its selected mailbox (`report` = mailbox-sync's). After a NOTIFY
   * without SELECTED / SELECTED-DELAYED events nothing is reported (§3.1: same as SELECTED
   * NONE); MessageNew's fetch-atts are sent for the messages the report announced (§5.2).
   */
  async syncSelected(selected: SelectedMailbox, report: () => Promise<void>): Promise<void> {
    if (!this.active) return report();
    const group = selectedGroup(this.groups);
    if (!group || group.events.size === 0) return;
    const before = selected.maxUid;
    await report();
    const s = this.session;
    if (!group.fetch || s.selected !== selected || selected.maxUid <= before) return;
    const uids = selected.uids.filter((uid) => uid > before);
    const args = Buffer.concat([Buffer.from(` ${formatSequenceSet(uids)} `), group.fetch]);
    await fetch(s, { tag: '*', name: 'FETCH', uid: true, t: new Tokenizer(args, { utf8: s.utf8 }) });
  }

  /** Sends what is pending. Called by the session only while no command runs. */
  async deliver(): Promise<void> {
    if (!this.hasWork) return;
    const s = this.session;
    if (this.overflowed) {
      this.overflowed = false;
      s.send('* OK [NOTIFICATIONOVERFLOW] Too many changes to report; NOTIFY NONE is in effect\r\n');
    }
    const selectedChanged = this.selectedChanged;
    const messages = this.messages;
    const metadata = this.metadata;
    const listChanged = this.listChanged;
    const subscriptionsChanged = this.subscriptionsChanged;
    this.messages = new Map();
    this.metadata = new Map();
    this.clear();
    const group = selectedGroup(this.groups);
    try {
      if (selectedChanged && s.selected && group) {
        // SELECTED-DELAYED keeps expunges for a command that may report them (§6.1.2); IDLE is one.
        await s.sync(group.filter.kind === 'selected' || s.idling);
      }
      if (messages.size > 0 || metadata.size > 0 || listChanged || subscriptionsChanged) {
        const facts = await this.facts();
        if (listChanged) {
          this.reportNames(facts);
          this.resync(facts, messages);
        }
        if (subscriptionsChanged) this.reportSubscriptions(facts);
        await this.reportMessages(facts, messages);
        this.reportMetadata(facts, metadata);
      }
    } catch (error) {
      // A failed report must not end the session; the next command's sync catches up.
      s.log.warn({ err: error }, 'NOTIFY delivery failed');
    }
    await s.flushAsync();
  }

  private async facts(): Promise<ListFacts> {
    const accountId = this.session.account!.id;
    const admin = this.session.services.admin;
    return { rows: await admin.list(accountId), subscriptions: await admin.subscriptions(accountId) };
  }

  private wants(facts: ListFacts, name: string, event: KnownEvent, subscribed?: boolean): boolean {
    return eventsFor(this.groups, { name, subscribed: subscribed ?? facts.subscriptions.has(name) }).has(
      event,
    );
  }

  /** MailboxName (§5.4): compares the mailbox list with the last one seen. */
  private reportNames(facts: ListFacts): void {
    const s = this.session;
    const before = this.snapshot.names;
    const now = new Map(facts.rows.map((row) => [row.id, row.name]));
    const lines: { name: string; oldName?: string }[] = [];
    for (const [id, name] of before) if (!now.has(id)) lines.push({ name });
    for (const [id, name] of now) {
      const old = before.get(id);
      if (old === undefined) lines.push({ name });
      else if (old !== name) lines.push({ name, oldName: old });
    }
    this.snapshot.names = now;
    lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const line of lines) {
      const watched =
        this.wants(facts, line.name, 'MailboxName') ||
        (line.oldName !== undefined && this.wants(facts, line.oldName, 'MailboxName'));
      if (watched) s.send(...listLine(s, facts, line.name, line.oldName));
    }
  }

  /**
   * 'mailboxes' also comes after the events connection was lost (PgEvents): mailboxes whose
   * counters moved since they were last looked at are reported as if their events had come.
   */
  private resync(facts: ListFacts, messages: Map<number, Set<string>>): void {
    for (const row of facts.rows) {
      const before = this.snapshot.counters.get(row.id);
      if (!before) {
        this.snapshot.counters.set(row.id, countersOf(row));
        continue;
      }
      for (const kind of changesBetween(before, countersOf(row))) {
        let kinds = messages.get(row.id);
        if (!kinds) messages.set(row.id, (kinds = new Set()));
        kinds.add(kind);
      }
    }
  }

  /** SubscriptionChange (§5.5): LIST with \Subscribed exactly when subscribed now. */
  private reportSubscriptions(facts: ListFacts): void {
    const s = this.session;
    const before = this.snapshot.subscriptions;
    const now = facts.subscriptions;
    const changed = [...new Set([...before, ...now])].filter((name) => before.has(name) !== now.has(name));
    this.snapshot.subscriptions = new Set(now);
    // SUBSCRIBED matches what was subscribed before or after, so unsubscribing is reported too.
    for (const name of changed.sort()) {
      if (this.wants(facts, name, 'SubscriptionChange', true)) s.send(...listLine(s, facts, name));
    }
  }

  /** Message events of other mailboxes: one STATUS per mailbox (§5.1-§5.3). */
  private async reportMessages(facts: ListFacts, messages: Map<number, Set<string>>): Promise<void> {
    const s = this.session;
    const byId = new Map<number, MailboxRow>(facts.rows.map((row) => [row.id, row]));
    for (const [id, kinds] of messages) {
      const row = byId.get(id);
      if (!row || id === s.selected?.id) continue;
      this.snapshot.counters.set(id, countersOf(row));
      const events = eventsFor(this.groups, {
        name: row.name,
        subscribed: facts.subscriptions.has(row.name),
      });
      if (![...kinds].some((kind) => events.has(MESSAGE_EVENT_OF[kind]))) continue;
      s.send(...(await statusLine(s, row, events.has('FlagChange'))));
    }
  }

  /** MailboxMetadataChange / ServerMetadataChange (§5.6, §5.7): the names of changed entries. */
  private reportMetadata(facts: ListFacts, metadata: Map<number, Set<string>>): void {
    const s = this.session;
    for (const [id, entries] of metadata) {
      if (entries.size === 0) continue;
      if (id === 0) {
        if (this.groups.some((g) => g.events.has('ServerMetadataChange'))) {
          s.send(...metadataLine(s, '', [...entries].sort()));
        }
        continue;
      }
      const row = facts.rows.find((r) => r.id === id);
      if (row && this.wants(facts, row.name, 'MailboxMetadataChange')) {
        s.send(...metadataLine(s, row.name, [...entries].sort()));
      }
    }
  }
}
