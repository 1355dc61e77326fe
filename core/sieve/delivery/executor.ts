/**
 * Runs Sieve for one account and one message at delivery and returns the plan delivery carries
 * out. Everything that decides where a message goes for an account goes through here: the
 * domain's global scripts, the user's active script, and the JMAP vacation response (compiled to
 * a vacation script) and the account's forwarding (compiled to redirects), so one engine applies
 * one set of rules. Never throws and never loses mail:
 * whatever goes wrong yields INBOX plus a notice for the user.
 */
import { createHash } from 'node:crypto';
import type { SqlExecutor } from '../../ports/sql';
import { compileSieve, runSieve } from '../index';
import type { SieveLimits, SieveScriptStore } from '../script-store';
import { inboxPlan, planFromResult, type DeliveryPlan } from './plan';
import { spamTestValue, virusTestValue } from './scores';
import {
  GLOBAL_AFTER,
  GLOBAL_BEFORE,
  GLOBAL_FORWARD,
  GLOBAL_VACATION,
  forwardScript,
  vacationScript,
  wrapperScript,
  type ForwardSettings,
  type VacationSettings,
} from './wrapper';

export interface SieveDeliveryInput {
  account: { id: number; address: string };
  /** The envelope recipient this copy is for (the account's address or an alias of it). */
  recipient: string;
  /** The envelope sender; '' is the null sender. */
  mailFrom: string;
  /** The message as received (without the Return-Path/Delivered-To prefix). */
  message: Buffer;
  /** The submitting user, when the message was submitted with authentication. */
  auth?: string;
  /** Accounts whose Sieve redirected this copy here: redirecting back to them would loop. */
  redirectedBy?: string[];
}

/** Redirect hops after which a message stays where it is (as RecipientRouter's alias depth). */
const MAX_REDIRECT_HOPS = 10;

type Compiled = Extract<ReturnType<typeof compileSieve>, { ok: true }>['script'];

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
const keyHash = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * The SQL that says whether an account needs this executor (rather than the batch fast path):
 * an active script, a global script for its domain, forwarding, or an enabled vacation response. `$alias`
 * is the accounts table alias in the caller's query.
 */
export function needsSieveSql(alias: string): string {
  return `(EXISTS (SELECT 1 FROM sieve_scripts s WHERE s.account_id = ${alias}.id AND s.active)
    OR EXISTS (SELECT 1 FROM sieve_global_scripts g WHERE g.domain_id = ${alias}.domain_id)
    OR EXISTS (SELECT 1 FROM account_forwards f WHERE f.account_id = ${alias}.id)
    OR EXISTS (SELECT 1 FROM jmap_vacation v WHERE v.account_id = ${alias}.id AND v.is_enabled))`;
}

export class SieveDelivery {
  constructor(
    private readonly db: SqlExecutor,
    private readonly store: SieveScriptStore,
    private readonly limits: SieveLimits,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The plan for one copy; null when the account has nothing for Sieve to do. */
  async plan(input: SieveDeliveryInput): Promise<DeliveryPlan | null> {
    try {
      return await this.run(input);
    } catch (error) {
      return inboxPlan(
        input.message,
        `filtering failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async run(input: SieveDeliveryInput): Promise<DeliveryPlan | null> {
    const accountId = String(input.account.id);
    const domain = domainOf(input.account.address);
    const [before, personal, after, vacation, forward] = await Promise.all([
      this.store.getGlobal(domain, 'before'),
      this.store.active(accountId),
      this.store.getGlobal(domain, 'after'),
      this.vacationSettings(input.account.id),
      this.forwardSettings(input.account.id),
    ]);
    if (before === null && personal === null && after === null && vacation === null && forward === null)
      return null;

    const compileOptions = { maxBytes: this.limits.maxScriptBytes };
    const globals = new Map<string, string>();
    if (before !== null) globals.set(GLOBAL_BEFORE, before);
    if (after !== null) globals.set(GLOBAL_AFTER, after);
    if (vacation !== null) globals.set(GLOBAL_VACATION, vacationScript(vacation));
    if (forward !== null) globals.set(GLOBAL_FORWARD, forwardScript(forward));
    // The forwarding targets are the account's setting, not the user's script: they come on top
    // of the per-script redirect limit (the setting has its own cap, MAX_FORWARD_TARGETS).
    const maxRedirects = this.limits.maxRedirects + (forward?.targets.length ?? 0);

    // Compile each part up front: a broken script is reported by name, not as a failed include.
    const compiledGlobals = new Map<string, Compiled>();
    for (const [name, text] of globals) {
      const compiled = compileSieve(text, { ...compileOptions, global: true });
      if (!compiled.ok)
        return inboxPlan(input.message, describe(`the global ${name} script`, compiled.error));
      compiledGlobals.set(name, compiled.script);
    }
    // A user whose own script answers with vacation gets that reply, not a second one from JMAP.
    let ownVacation = false;
    if (personal) {
      const compiled = compileSieve(personal.content, compileOptions);
      if (!compiled.ok)
        return inboxPlan(input.message, describe(`your filter "${personal.name}"`, compiled.error));
      ownVacation = compiled.script.requires.includes('vacation');
    }
    const wrapper = compileSieve(
      wrapperScript({
        before: before !== null,
        forward: forward !== null,
        personal: personal?.name ?? null,
        after: after !== null,
        vacation: vacation !== null && !ownVacation,
      }),
      { ...compileOptions, global: true },
    );
    if (!wrapper.ok) return inboxPlan(input.message, describe('the filter set', wrapper.error));

    const result = await runSieve(wrapper.script, {
      message: input.message,
      envelope: {
        from: input.mailFrom,
        to: input.account.address,
        originalTo: input.recipient,
        auth: input.auth,
      },
      userAddresses: [...new Set([input.account.address.toLowerCase(), input.recipient.toLowerCase()])],
      spamScore: spamTestValue(input.message),
      virusScore: virusTestValue(input.message),
      mailboxExists: (name: string) => this.mailboxExists(input.account.id, name),
      duplicateSeen: (key: string) => this.duplicateSeen(input.account.id, key),
      loadInclude: async (name: string, location: 'personal' | 'global') => {
        if (location === 'global') return compiledGlobals.get(name) ?? null;
        const script = await this.store.get(accountId, name);
        if (!script) return null;
        const compiled = compileSieve(script.content, compileOptions);
        return compiled.ok ? compiled.script : null;
      },
      now: this.clock(),
      limits: { maxSteps: this.limits.maxSteps, maxRedirects },
    });
    const plan = planFromResult(result, input.message, { maxRedirects });
    // A redirect back to the account itself, or to an account that redirected this copy here,
    // would loop: the copy stays here instead (a forwarding loop never loses the message).
    const hops = input.redirectedBy ?? [];
    const own = new Set([input.account.address, input.recipient, ...hops].map((a) => a.toLowerCase()));
    const looping = plan.redirects.filter((target) => own.has(target) || hops.length >= MAX_REDIRECT_HOPS);
    if (looping.length > 0) {
      plan.redirects = plan.redirects.filter((target) => !looping.includes(target));
      if (!plan.folders.length && !plan.discard && !plan.reject)
        plan.folders.push({ name: 'INBOX', flags: [], create: false });
    }
    if (result.error) plan.notice = `your filter failed: ${result.error}`;
    return plan;
  }

  /** RFC 7352: remembers the ids the script tracked; called after the message was stored. */
  async recordDuplicates(accountId: number, duplicates: { key: string; seconds: number }[]): Promise<void> {
    for (const { key, seconds } of duplicates) {
      await this.db.query(
        `INSERT INTO sieve_duplicates (account_id, key_hash, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, key_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [accountId, keyHash(key), new Date(this.clock().getTime() + Math.max(0, seconds) * 1000)],
      );
    }
    // Expired ids go with the writes that make new ones; an index keeps this cheap.
    await this.db.query(`DELETE FROM sieve_duplicates WHERE account_id = $1 AND expires_at < $2`, [
      accountId,
      this.clock(),
    ]);
  }

  private async duplicateSeen(accountId: number, key: string): Promise<boolean> {
    const r = await this.db.query(
      `SELECT 1 FROM sieve_duplicates WHERE account_id = $1 AND key_hash = $2 AND expires_at > $3`,
      [accountId, keyHash(key), this.clock()],
    );
    return r.rows.length > 0;
  }

  private async mailboxExists(accountId: number, name: string): Promise<boolean> {
    const r = await this.db.query(`SELECT 1 FROM mailboxes WHERE account_id = $1 AND name = $2`, [
      accountId,
      name,
    ]);
    return r.rows.length > 0;
  }

  private async forwardSettings(accountId: number): Promise<ForwardSettings | null> {
    const r = await this.db.query<{ target: string; keep_copy: boolean }>(
      `SELECT target, keep_copy FROM account_forwards WHERE account_id = $1 ORDER BY target`,
      [accountId],
    );
    if (r.rows.length === 0) return null;
    return { targets: r.rows.map((row) => row.target), keepCopy: r.rows[0].keep_copy !== false };
  }

  private async vacationSettings(accountId: number): Promise<VacationSettings | null> {
    const r = await this.db.query<{
      subject: string | null;
      text_body: string | null;
      html_body: string | null;
    }>(
      `SELECT subject, text_body, html_body FROM jmap_vacation WHERE account_id = $1 AND is_enabled
         AND (from_date IS NULL OR from_date <= $2) AND (to_date IS NULL OR to_date > $2)`,
      [accountId, this.clock()],
    );
    const row = r.rows[0];
    return row ? { subject: row.subject, textBody: row.text_body, htmlBody: row.html_body } : null;
  }
}

function describe(what: string, error: { line: number; column: number; message: string }): string {
  return `${what} could not be used (line ${error.line}, column ${error.column}: ${error.message}); the message was kept in INBOX`;
}
