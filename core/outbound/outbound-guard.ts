/**
 * The outbound guard (issue #19): every message an authenticated user submits (SMTP submission,
 * JMAP EmailSubmission) passes `admit`, which counts it cluster-wide against the user's, the
 * domain's and the client address's hourly and daily limits, evaluates the compromise signals
 * and says whether to send it, hold it (the account is held) or refuse it (hourly limit: 451
 * 4.7.1, daily limit: 550 5.7.1). Forwards, DSNs and vacation replies never pass here.
 */
import type { Logger } from 'pino';
import type { SqlExecutor } from '../ports/sql';
import type { CounterKey, SendCounters, WindowCount } from '../ports/send-counters';
import type { AccountHolds } from './account-holds';
import { LIMIT_SCOPES, type LimitStore, type RateLimits } from './limits';
import { loginSpread, networkOf, quietBurst, recipientBurst, type SignalSettings } from './signals';

export type OutboundDecision =
  { kind: 'send' } | { kind: 'hold'; reason: string } | { kind: 'refuse'; permanent: boolean; text: string };

/** Told when an account becomes held (user notice, audit, log). */
export interface HoldNotifier {
  accountHeld(account: string, reason: string): Promise<void>;
}

export class OutboundGuard {
  constructor(
    private readonly db: SqlExecutor,
    private readonly counters: SendCounters,
    private readonly limits: LimitStore,
    readonly holds: AccountHolds,
    private readonly signals: SignalSettings,
    private readonly notifier: HoldNotifier,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private keysOf(account: string, clientAddress: string): { scope: 'user' | 'domain' | 'ip'; key: string }[] {
    const user = account.toLowerCase();
    const domain = user.slice(user.lastIndexOf('@') + 1);
    // No client address (JMAP): the IP scope is not counted.
    return LIMIT_SCOPES.filter((scope) => scope !== 'ip' || clientAddress !== '').map((scope) => ({
      scope,
      key: scope === 'user' ? user : scope === 'domain' ? domain : clientAddress,
    }));
  }

  /** At RCPT: a refusal when a message limit is already used up (nothing is counted). */
  async precheck(account: string, clientAddress: string): Promise<OutboundDecision | null> {
    const keys = this.keysOf(account, clientAddress);
    const [limits, counts] = await Promise.all([
      this.limits.resolve(keys),
      this.counters.read(keys, this.now()),
    ]);
    return overLimit(keys, limits, counts, 0);
  }

  /** At the end of DATA (or EmailSubmission/set): counts the message unless it is refused. */
  async admit(account: string, clientAddress: string, recipients: string[]): Promise<OutboundDecision> {
    const user = account.toLowerCase();
    const held = await this.holds.get(user);
    if (held) return { kind: 'hold', reason: held.reason };
    const keys = this.keysOf(user, clientAddress);
    const limits = await this.limits.resolve(keys);
    const now = this.now();
    let refusal: OutboundDecision | null = null;
    const { counted, after } = await this.counters.count(keys, recipients, now, (counts) => {
      refusal = overLimit(keys, limits, counts, 1);
      return refusal === null;
    });
    if (!counted) {
      this.log.warn({ account: user, client: clientAddress }, 'outbound limit reached');
      return refusal ?? { kind: 'refuse', permanent: false, text: 'Sending rate limit exceeded' };
    }
    this.pruneNowAndThen(now);
    const wokeAt = await this.noteActivity(user, now);
    const reason =
      recipientBurst(this.signals, after, user) ?? quietBurst(this.signals, after, user, wokeAt, now);
    if (reason) {
      await this.holdAccount(user, reason);
      return { kind: 'hold', reason };
    }
    return { kind: 'send' };
  }

  /** After a successful AUTH: the logins-from-many-networks signal. */
  async noteLogin(account: string, clientAddress: string): Promise<void> {
    const user = account.toLowerCase();
    const key: CounterKey = { scope: 'login', key: user };
    const networks = await this.counters.noteDistinct(key, 'hour', networkOf(clientAddress), this.now());
    const reason = loginSpread(this.signals, networks);
    if (reason) await this.holdAccount(user, reason);
  }

  /**
   * The relay could not deliver to a recipient of `mailFrom`'s mail (5xx or expired): counted for
   * the account that owns the address (itself or an alias); past `rejectsPerHour`, the account is
   * held. Null senders (DSNs) and SRS addresses (forwards) are not an account's mail.
   */
  async noteReject(mailFrom: string): Promise<void> {
    const from = mailFrom.toLowerCase();
    if (from === '' || /^srs[01][=+-]/.test(from)) return;
    const owner = await this.db.query<{ address: string }>(
      `SELECT lower(address) AS address FROM accounts WHERE lower(address) = $1
       UNION ALL
       SELECT lower(c.address) FROM aliases a JOIN accounts c ON lower(c.address) = lower(a.target)
       WHERE lower(a.source) = $1
       LIMIT 1`,
      [from],
    );
    const account = owner.rows[0]?.address;
    if (!account) return;
    const { after } = await this.counters.count(
      [{ scope: 'system', key: `rejects:${account}` }],
      [],
      this.now(),
      () => true,
    );
    const rejects = after.find((c) => c.window === 'hour')?.messages ?? 0;
    if (rejects === this.signals.rejectsPerHour + 1) {
      await this.holdAccount(account, `signal: ${rejects} recipients refused by remote servers in an hour`);
    }
  }

  /** Holds the account (idempotent); the user and the admin are told once. */
  async holdAccount(account: string, reason: string): Promise<boolean> {
    const user = account.toLowerCase();
    const fresh = await this.holds.hold(user, reason);
    if (fresh) {
      this.log.warn(
        { event: 'outbound.account_held', account: user, reason },
        'account held: outbound mail kept',
      );
      await this.notifier
        .accountHeld(user, reason)
        .catch((err: unknown) =>
          this.log.error({ err, account: user }, 'could not tell about the held account'),
        );
    }
    return fresh;
  }

  private lastPrune = 0;

  /** At most once an hour per process: buckets older than two days go (in the background). */
  private pruneNowAndThen(now: Date): void {
    if (now.getTime() - this.lastPrune < 3_600_000) return;
    this.lastPrune = now.getTime();
    void this.counters
      .prune(new Date(now.getTime() - 86_400_000))
      .catch((err: unknown) => this.log.warn({ err }, 'send counters not pruned'));
  }

  /** Records the send; the time the account woke from a long quiet (within the last hour), if so. */
  private async noteActivity(account: string, now: Date): Promise<Date | null> {
    const quietMs = this.signals.quietDays * 86_400_000;
    const r = await this.db.query<{ woke_at: Date | string | null }>(
      `INSERT INTO outbound_activity (account, last_sent_at) VALUES ($1, $2::timestamptz)
       ON CONFLICT (account) DO UPDATE SET
         woke_at = CASE WHEN outbound_activity.last_sent_at < $3::timestamptz THEN $2::timestamptz
                        ELSE outbound_activity.woke_at END,
         last_sent_at = $2::timestamptz
       RETURNING woke_at`,
      [account, now.toISOString(), new Date(now.getTime() - quietMs).toISOString()],
    );
    const woke = r.rows[0]?.woke_at;
    return woke ? new Date(woke) : null;
  }
}

/** The first limit `counts` (plus `adding` messages) breaks: daily ones first (550), then hourly (451). */
function overLimit(
  keys: { scope: string; key: string }[],
  limits: RateLimits[],
  counts: WindowCount[],
  adding: number,
): OutboundDecision | null {
  for (const daily of [true, false]) {
    for (const [i, k] of keys.entries()) {
      const l = limits[i];
      const window = daily ? 'day' : 'hour';
      const c = counts.find((x) => x.scope === k.scope && x.key === k.key && x.window === window);
      if (!c) continue;
      const maxMessages = daily ? l.messagesPerDay : l.messagesPerHour;
      const maxRecipients = daily ? l.recipientsPerDay : l.recipientsPerHour;
      // precheck (adding 0) refuses when the next message cannot fit; admit (1) when this one did not.
      const messages = adding === 0 ? c.messages + 1 : c.messages;
      if (messages > maxMessages || c.recipients > maxRecipients) {
        const what = messages > maxMessages ? 'messages' : 'distinct recipients';
        const per = daily ? 'day' : 'hour';
        return {
          kind: 'refuse',
          permanent: daily,
          text: `Sending limit reached: too many ${what} per ${per} for ${k.scope} ${k.key}`,
        };
      }
    }
  }
  return null;
}
