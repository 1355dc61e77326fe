import type { SieveContext } from './commands/context';

/** Mechanisms offered once AUTHENTICATE is allowed (the same as IMAP and POP3 offer). */
export const SASL_MECHANISMS = ['PLAIN'] as const;

/**
 * RFC 5804 §1.7 capabilities for this connection now. SASL stays empty before TLS (unless
 * insecure auth is configured) so clients never offer a password in clear; NOTIFY is omitted
 * because the engine has no enotify.
 */
export function capabilityLines(
  ctx: Pick<SieveContext, 'authAllowed' | 'secure' | 'state' | 'deps'>,
): Array<[string, string?]> {
  const lines: Array<[string, string?]> = [
    ['IMPLEMENTATION', 'Nimbus'],
    ['SASL', ctx.authAllowed() && ctx.state === 'unauthenticated' ? SASL_MECHANISMS.join(' ') : ''],
    ['SIEVE', ctx.deps.extensions.join(' ')],
  ];
  if (!ctx.secure && ctx.state === 'unauthenticated') lines.push(['STARTTLS']);
  lines.push(
    ['MAXREDIRECTS', String(ctx.deps.scripts.limits.maxRedirects)],
    ['VERSION', '1.0'],
    ['UNAUTHENTICATE'],
  );
  return lines;
}
