import { throttledMessage } from '../../../core/auth/auth-throttle';
import { decodeSaslPlain } from '../../../core/auth/sasl-plain';
import { SASL_MECHANISMS } from '../capabilities';
import type { Token } from '../parser';
import { ok } from '../responses';
import { textArg } from '../script-name';
import { UNAUTHENTICATED, type CommandHandler, type SieveContext } from './context';

/** Throttle, check the password, enter the authenticated state (as POP3 and IMAP do). */
async function login(ctx: SieveContext, username: string, password: string): Promise<void> {
  const { authThrottle, directory, log } = ctx.deps;
  const wait = authThrottle.retryAfter(ctx.remoteAddress, username);
  if (wait > 0) return ctx.error(throttledMessage(wait), 'TRYLATER');
  const account = await directory.authenticate(username, password);
  if (!account) {
    authThrottle.recordFailure(ctx.remoteAddress, username);
    log.info({ user: username }, 'ManageSieve authentication failed');
    return ctx.error('Authentication failed');
  }
  authThrottle.recordSuccess(ctx.remoteAddress, username);
  log.info({ user: account.address }, 'ManageSieve login');
  ctx.loggedIn(account);
  await ctx.send(ok('Logged in'));
}

/** The mechanism name: a string per RFC 5804, an atom from lenient clients. */
function mechanismOf(token: Token | undefined): string | null {
  if (!token) return null;
  return token.type === 'atom' ? token.value : textArg(token);
}

/** RFC 5804 §2.1: AUTHENTICATE "PLAIN" with an initial response, or an empty challenge first. */
export const AUTHENTICATE: CommandHandler = {
  states: UNAUTHENTICATED,
  async run(ctx, args) {
    if (args.length < 1 || args.length > 2)
      return ctx.error('Syntax: AUTHENTICATE mechanism [initial-response]');
    const mechanism = mechanismOf(args[0])?.toUpperCase() ?? '';
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      return ctx.error(`Unsupported mechanism ${mechanism.slice(0, 32)}`);
    if (!ctx.authAllowed())
      return ctx.error('Authentication requires TLS, use STARTTLS first', 'ENCRYPT-NEEDED');
    const respond = async (response: string | null) => {
      if (response === null) return ctx.error('Invalid SASL response');
      if (response === '*') return ctx.error('Authentication cancelled');
      const decoded = decodeSaslPlain(response);
      if (!decoded) return ctx.error('Invalid PLAIN response');
      // No proxy authorisation: an authzid must name the same user.
      if (decoded.authzid && decoded.authzid.toLowerCase() !== decoded.username.toLowerCase()) {
        ctx.deps.authThrottle.recordFailure(ctx.remoteAddress, decoded.username);
        return ctx.error('Authentication failed');
      }
      await login(ctx, decoded.username, decoded.password);
    };
    if (args.length === 2) return respond(textArg(args[1]));
    ctx.expectContinuation((tokens) => respond(tokens.length === 1 ? textArg(tokens[0]) : null));
    await ctx.send('""\r\n');
  },
};
