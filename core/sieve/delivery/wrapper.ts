/**
 * The one Sieve program delivery runs for an account: a generated script that includes, in
 * order, the domain's global "before" script, a generated forwarding script built from the
 * account's forwarding setting, the user's active script, the global "after" script, and a
 * generated vacation script built from the JMAP VacationResponse. RFC 6609 semantics follow for
 * free: `stop` anywhere ends the whole run (so "after" runs only when the user's script did not
 * stop, and a forward without a kept copy ends it), and one implicit keep covers everything.
 */

/** Names in the :global namespace; it is ours alone (users write :personal scripts). */
export const GLOBAL_BEFORE = 'before';
export const GLOBAL_AFTER = 'after';
export const GLOBAL_VACATION = '.nimbus-vacation';
export const GLOBAL_FORWARD = '.nimbus-forward';

/** A Sieve quoted string (RFC 5228 §2.4.2): backslash and double quote escaped. */
export function sieveString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function wrapperScript(parts: {
  before: boolean;
  forward: boolean;
  personal: string | null;
  after: boolean;
  vacation: boolean;
}): string {
  const lines = ['require ["include"];'];
  if (parts.before) lines.push(`include :global ${sieveString(GLOBAL_BEFORE)};`);
  if (parts.forward) lines.push(`include :global ${sieveString(GLOBAL_FORWARD)};`);
  if (parts.personal !== null) lines.push(`include :personal ${sieveString(parts.personal)};`);
  if (parts.after) lines.push(`include :global ${sieveString(GLOBAL_AFTER)};`);
  if (parts.vacation) lines.push(`include :global ${sieveString(GLOBAL_VACATION)};`);
  return lines.join('\r\n') + '\r\n';
}

/** The JMAP VacationResponse (RFC 8621 §8) a user set, as stored in jmap_vacation. */
export interface VacationSettings {
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
}

/** RFC 5230 vacation with the responder's 7-day rule; an HTML body goes as a :mime reason. */
export function vacationScript(settings: VacationSettings): string {
  const subject = settings.subject !== null ? ` :subject ${sieveString(settings.subject)}` : '';
  const handle = ` :handle ${sieveString('nimbus-vacation')}`;
  if (settings.htmlBody !== null) {
    const boundary = 'nimbus-vacation-alternative';
    const text = settings.textBody;
    const entity =
      text !== null
        ? `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n` +
          `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n` +
          `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${settings.htmlBody}\r\n--${boundary}--\r\n`
        : `Content-Type: text/html; charset=utf-8\r\n\r\n${settings.htmlBody}\r\n`;
    return `require ["vacation"];\r\nvacation :days 7${subject}${handle} :mime ${sieveString(entity)};\r\n`;
  }
  return `require ["vacation"];\r\nvacation :days 7${subject}${handle} ${sieveString(settings.textBody ?? '')};\r\n`;
}

/** An account's forwarding setting (table account_forwards), set by the user or an admin. */
export interface ForwardSettings {
  targets: string[];
  keepCopy: boolean;
}

/**
 * The forwarding setting as Sieve: `redirect :copy` per target when a copy is kept; otherwise
 * plain redirects and `stop`, so the account's own filters and vacation do not run for mail it
 * never keeps (as before forwarding moved into Sieve).
 */
export function forwardScript(settings: ForwardSettings): string {
  const copy = settings.keepCopy ? ' :copy' : '';
  const lines = settings.keepCopy ? ['require ["copy"];'] : [];
  for (const target of settings.targets) lines.push(`redirect${copy} ${sieveString(target)};`);
  if (!settings.keepCopy) lines.push('stop;');
  return lines.join('\r\n') + '\r\n';
}
