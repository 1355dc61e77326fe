/**
 * One IMAP connection's state: login, TLS and compression, output, and the selected mailbox
 * kept in step with other sessions (sync at the points RFC 9051 §7.5 allows, pushed during
 * IDLE by the Events port). Reading and running commands is session-input.ts.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Account } from '../../core/directory/types';
import type { MailboxChange } from '../../core/ports/events';
import { imapCapabilities } from './capabilities';
import { permittedFlags, selectedRights } from './commands/access';
import { ImapConnection } from './connection';
import { IdleState } from './idle-state';
import { reportChanges, reportExpunges, reportsWanted } from './mailbox-sync';
import { NotifyState } from './notify-state';
import { ParseError } from './parser/tokenizer';
import { toBuffer, type Chunk } from './format/strings';
import { SelectedMailbox } from './selected';
import { SessionInput } from './session-input';
import type { ImapServices } from './services';
import type { CommandResult, ImapServerOptions, SessionState } from './types';

/** Changes to messages: their events carry the MODSEQ they produced. */
const MESSAGE_KINDS = new Set<MailboxChange['kind']>(['append', 'flags', 'expunge']);

export interface SessionInfo {
  id: string;
  remoteAddress: string;
  secure: boolean;
}

export class ImapSession {
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  selected: SelectedMailbox | null = null;
  readonly enabled = new Set<string>();
  compressed = false;
  /** SEARCHRES "$": UIDs saved by the last SEARCH RETURN (SAVE). */
  saved: number[] | null = null;
  private readonly connection: ImapConnection;
  /** Reading and running commands, literals, continuation lines (session-input.ts). */
  private readonly input: SessionInput;
  private errors = 0;
  private readonly idle = new IdleState(this);
  /** NOTIFY (RFC 5465): what is pushed, and when (notify-state.ts). */
  readonly notify = new NotifyState(this);
  private timer: NodeJS.Timeout | null = null;
  private unauthTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Change events of the owner of a selected shared mailbox (ACL, commands/access.ts). */
  private ownerWatch: (() => void) | null = null;
  /** Something may have changed in the selected mailbox that no report has covered yet. */
  private dirty = false;
  /** Highest MODSEQ announced by change events for the selected mailbox (own writes included). */
  private eventModseq = 0;
  /** CONDSTORE was just enabled with a mailbox selected: HIGHESTMODSEQ is owed (RFC 7162 §3.1). */
  private announceModseq = false;
  /** Messages reported expunged so far (a command that reported some ends with HIGHESTMODSEQ). */
  expungesReported = 0;
  /** Releases this session's slot in the per-user-and-address limit (set at login). */
  private releaseUserSlot: (() => void) | null = null;

  constructor(
    socket: Duplex,
    readonly info: SessionInfo,
    readonly options: ImapServerOptions,
    readonly services: ImapServices,
    public log: Logger,
    private readonly onClose: () => void,
  ) {
    this.connection = new ImapConnection(socket, {
      data: (chunk) => this.input.onData(chunk),
      error: (error) => this.log.debug({ err: error }, 'socket error'),
      close: () => this.finish(),
    });
    this.input = new SessionInput(this, this.connection);
  }

  get closed(): boolean {
    return this.connection.closed;
  }

  get utf8(): boolean {
    return this.enabled.has('UTF8=ACCEPT');
  }

  get rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  get condstore(): boolean {
    return this.enabled.has('CONDSTORE');
  }

  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  /** RFC 9586: no sequence numbers in either direction. */
  get uidonly(): boolean {
    return this.enabled.has('UIDONLY');
  }

  /** Start of a FETCH response: `* <seq> FETCH (`, or `* <uid> UIDFETCH (` under UIDONLY. */
  fetchStart(seq: number, uid: number): string {
    return this.uidonly ? `* ${uid} UIDFETCH (` : `* ${seq} FETCH (`;
  }

  start(): void {
    this.send(
      `* OK [CAPABILITY ${this.capabilities().join(' ')}] ${this.options.hostname} Nimbus IMAP ready\r\n`,
    );
    this.flush();
    this.unauthTimer = setTimeout(() => {
      if (this.state === 'not-authenticated') this.bye('Autologout: no login in time');
    }, this.options.unauthenticatedTimeoutMs);
    this.unauthTimer.unref?.();
    this.armTimer();
  }

  capabilities(): string[] {
    return imapCapabilities({
      state: this.state,
      secure: this.info.secure,
      allowInsecureAuth: this.options.allowInsecureAuth,
      compressed: this.compressed,
      maxLiteralSize: this.options.maxLiteralSize,
    });
  }

  // Output ------------------------------------------------------------------------------------

  send(...chunks: Chunk[]): void {
    this.connection.send(chunks);
  }

  /** Writes buffered output; waits for the socket to drain when it is backed up. */
  flushAsync(): Promise<void> {
    return this.connection.flushAsync();
  }

  /** Streams big responses: flushes once enough output has accumulated. */
  maybeFlush(): Promise<void> {
    return this.connection.maybeFlush();
  }

  flush(): void {
    this.connection.flush();
  }

  bye(text: string): void {
    if (this.closed) return;
    this.send(`* BYE ${text}\r\n`);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.connection.close();
    this.state = 'logout';
  }

  /** Server shutdown: BYE now (an IDLE is interrupted), then close. */
  shutdown(): void {
    this.bye(`${this.options.hostname} Server shutting down`);
  }

  // Lifecycle and commands --------------------------------------------------------------------

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.unauthTimer) clearTimeout(this.unauthTimer);
    this.idle.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.ownerWatch?.();
    this.ownerWatch = null;
    this.releaseUserSlot?.();
    this.releaseUserSlot = null;
    this.state = 'logout';
    this.onClose();
  }

  armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.bye('Autologout; idle for too long'), this.options.idleTimeoutMs);
    this.timer.unref?.();
  }

  /** NOTIFY has changes to report: delivered now if no command runs, else after it. */
  notifyPending(): void {
    void this.input.pump();
  }

  countError(): void {
    this.errors++;
    if (this.errors >= this.options.maxErrors) this.bye('Too many invalid commands');
  }

  finishCommand(tag: string, result: CommandResult): void {
    if (result.status === 'BAD') this.countError();
    const code = result.code ? `[${result.code}] ` : '';
    this.send(`${tag} ${result.status} ${code}${result.text}\r\n`);
  }

  /** Runs a continuation exchange: the next client line goes to `handler`. */
  expectLine(handler: ((line: Buffer) => Promise<void>) | null): void {
    this.input.expectLine(handler);
  }

  // Authentication ----------------------------------------------------------------------------

  /** Takes a slot of `maxConnectionsPerUserIp` for `accountId`; false when none is left. */
  claimUserSlot(accountId: number): boolean {
    const slot = this.services.userConnections.tryAcquire(`${accountId} ${this.info.remoteAddress}`);
    if ('refused' in slot) return false;
    this.releaseUserSlot = slot.release;
    return true;
  }

  async loggedIn(account: Account): Promise<void> {
    this.account = account;
    this.state = 'authenticated';
    if (this.unauthTimer) clearTimeout(this.unauthTimer);
    this.unsubscribe = this.services.deps.events.subscribe(account.id, (change) => this.onChange(change));
    this.log = this.log.child({ account: account.address });
  }

  // TLS and compression -----------------------------------------------------------------------

  startTls(tag: string): void {
    this.input.clear(); // pipelined input after STARTTLS must not survive the handshake
    this.send(`${tag} OK Begin TLS negotiation now\r\n`);
    this.flush();
    this.connection.upgradeToTls(
      () => this.services.deps.secureContext(),
      () => {
        this.info.secure = true;
      },
    );
  }

  startCompression(tag: string): void {
    this.send(`${tag} OK DEFLATE active\r\n`);
    this.flush();
    this.compressed = true;
    this.connection.startDeflate(() => this.bye('Compression error'));
  }

  // Selected mailbox --------------------------------------------------------------------------

  deselect(): void {
    this.eventModseq = 0;
    this.ownerWatch?.();
    this.ownerWatch = null;
    this.selected = null;
    this.announceModseq = false;
    this.state = 'authenticated';
  }

  /** A mailbox of another account is selected: its owner's events must reach this session too. */
  watchOwner(ownerId: number): void {
    this.ownerWatch?.();
    this.ownerWatch =
      ownerId === this.account?.id
        ? null
        : this.services.deps.events.subscribe(ownerId, (change) => this.onChange(change));
  }

  private onChange(change: MailboxChange): void {
    if (this.notify.observe(change)) return; // after NOTIFY, it decides what is pushed (RFC 5465 §4)
    const selected = this.selected;
    if (!selected || (change.mailboxId !== selected.id && change.kind !== 'mailboxes')) return;
    // A message change names its MODSEQ: the session's own writes then need no read (see sync()).
    if (change.mailboxId === selected.id && change.modseq !== undefined && MESSAGE_KINDS.has(change.kind))
      this.eventModseq = Math.max(this.eventModseq, change.modseq);
    else this.dirty = true;
    if (this.idle.active) void this.idle.push();
  }

  /**
   * The session's own write moved the selected mailbox from MODSEQ `modseq - bumps` to `modseq`.
   * If that is where this session's view stood, nobody else changed anything in between (every
   * change bumps HIGHESTMODSEQ under the mailbox row lock), so the view advances without a read;
   * otherwise the next sync reads. Returns whether the view advanced.
   */
  ownWrite(mailboxId: number, modseq: number, bumps: number): boolean {
    const selected = this.selected;
    if (!selected || selected.id !== mailboxId) return false;
    // NOTIFY and CONTEXT updates are computed from reports: they must see this change read back.
    if (modseq - bumps === selected.modseq && !this.reportsEverything) {
      selected.modseq = modseq;
      return true;
    }
    this.dirty = true;
    return false;
  }

  /**
   * True when a report could show nothing new: no change event beyond what this session's view
   * covers, nothing withheld, and nobody (NOTIFY, CONTEXT updates) asking for every report.
   */
  private upToDate(selected: SelectedMailbox, allowExpunge: boolean): boolean {
    if (this.dirty || this.eventModseq > selected.modseq || this.announceModseq) return false;
    if (allowExpunge && selected.pendingExpunges.size > 0) return false;
    return !this.reportsEverything;
  }

  /** NOTIFY or CONTEXT=SEARCH/SORT updates are on: every change must go through a report. */
  private get reportsEverything(): boolean {
    return this.notify.enabled || reportsWanted(this);
  }

  /**
   * Reports what changed in the selected mailbox since the last report: expunges (only when
   * `allowExpunge`), flag changes, new messages (mailbox-sync.ts). Unless `check` (NOOP, CHECK,
   * IDLE, SELECT, STATUS: clients poll with these), the read is skipped when upToDate().
   */
  async sync(allowExpunge: boolean, check = true): Promise<void> {
    const selected = this.selected;
    if (!selected) return;
    if (!check && this.upToDate(selected, allowExpunge)) return;
    this.dirty = false;
    await this.notify.syncSelected(selected, () => reportChanges(this, selected, allowExpunge));
    if (this.announceModseq && this.selected === selected) {
      this.send(`* OK [HIGHESTMODSEQ ${selected.modseq}] Highest\r\n`);
    }
    this.announceModseq = false;
  }

  /** EXPUNGE (or VANISHED with QRESYNC) for uids this client still knows. */
  reportExpunges(uids: number[]): void {
    if (this.selected) this.expungesReported += reportExpunges(this, this.selected, uids);
  }

  /**
   * The FLAGS item of a FETCH response. A keyword the client has not seen in FLAGS yet is
   * announced first (FLAGS and PERMANENTFLAGS, RFC 9051 §7.3.5/§6.3.2), so callers must call
   * this before sending any part of the FETCH line.
   */
  flagsItem(uid: number, flags: string[]): string {
    if (this.selected && this.selected.unannounced(flags).length > 0) this.announceFlags(this.selected);
    const list = [...flags];
    if (!this.rev2 && this.selected?.recent.has(uid)) list.push('\\Recent');
    return `FLAGS (${list.join(' ')})`;
  }

  /** The untagged FLAGS and PERMANENTFLAGS of `selected` (at SELECT and when keywords appear). */
  announceFlags(selected: SelectedMailbox): void {
    this.send(`* FLAGS (${selected.flagList.join(' ')})\r\n`);
    // As at SELECT: only the flags the ACL rights let this user change (RFC 4314 §4).
    const permanent = permittedFlags(selectedRights(selected), [...selected.flagList, '\\*']);
    this.send(
      selected.readOnly
        ? '* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n'
        : `* OK [PERMANENTFLAGS (${permanent.join(' ')})] Flags permitted\r\n`,
    );
  }

  /**
   * A CONDSTORE-enabling command (RFC 7162 §3.1). The first one while a mailbox is selected
   * gets `OK [HIGHESTMODSEQ]` before its tagged response (sent by sync(), after the command's
   * own changes have been reported).
   */
  enableCondstore(): void {
    if (this.enabled.has('CONDSTORE')) return;
    this.enabled.add('CONDSTORE');
    if (this.selected) this.announceModseq = true;
  }

  // IDLE --------------------------------------------------------------------------------------

  startIdle(tag: string): Promise<void> {
    return this.idle.start(tag);
  }

  get idling(): boolean {
    return this.idle.active;
  }

  /** True if this session holds changes not yet looked at (for tests and diagnostics). */
  get hasPendingChanges(): boolean {
    return this.dirty;
  }

  toBuffer(chunks: Chunk[]): Buffer {
    return toBuffer(chunks);
  }
}

export { ParseError };
