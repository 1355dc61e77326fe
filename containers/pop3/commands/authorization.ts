import { throttledMessage } from '../../../core/auth/auth-throttle';
import { decodeSaslPlain } from '../../../core/auth/sasl-plain';
import { multiline, ok } from '../responses';
import type { CommandHandler, Pop3Context } from './context';

const AUTHORIZATION = ['authorization'] as const;
const TLS_REQUIRED = 'Plaintext authentication disallowed without TLS, use STLS first';

/** Shared by PASS and AUTH: throttle, check the password, then open the maildrop. */
async function login(ctx: Pop3Context, username: string, password: string): Promise<void> {
  const { authThrottle, directory, log } = ctx.deps;
  // [SYS/TEMP], not [AUTH]: the credentials may be right; the client should retry later, not re-prompt.
  const wait = authThrottle.retryAfter(ctx.remoteAddress, username);
  if (wait > 0) return ctx.error(throttledMessage(wait), 'SYS/TEMP');
  const account = await directory.authenticate(username, password);
  if (!account) {
    authThrottle.recordFailure(ctx.remoteAddress, username);
    log.info({ user: username }, 'authentication failed');
    return ctx.error('Authentication failed', 'AUTH');
  }
  authThrottle.recordSuccess(ctx.remoteAddress, username);
  log.info({ user: account.address }, 'authenticated');
  await ctx.openMaildrop(account);
}

export const USER: CommandHandler = {
  states: AUTHORIZATION,
  async run(ctx, command) {
    ctx.pendingUser = null;
    if (!ctx.authAllowed()) return ctx.error(TLS_REQUIRED, 'AUTH');
    if (command.args.length !== 1) return ctx.error('Syntax: USER name');
    ctx.pendingUser = command.args[0];
    await ctx.send(ok('Send your password'));
  },
};

export const PASS: CommandHandler = {
  states: AUTHORIZATION,
  async run(ctx, command) {
    const username = ctx.pendingUser;
    ctx.pendingUser = null;
    if (!ctx.authAllowed()) return ctx.error(TLS_REQUIRED, 'AUTH');
    if (username === null) return ctx.error('USER first');
    if (!command.rest) return ctx.error('Syntax: PASS password');
    await login(ctx, username, command.rest);
  },
};

/** RFC 5034: AUTH PLAIN with an initial response or a "+ " continuation; bare AUTH lists mechanisms. */
export const AUTH: CommandHandler = {
  states: AUTHORIZATION,
  async run(ctx, command) {
    ctx.pendingUser = null;
    if (!ctx.authAllowed()) return ctx.error(TLS_REQUIRED, 'AUTH');
    if (command.args.length === 0) return void (await ctx.send(multiline('Mechanisms follow', ['PLAIN'])));
    if (command.args.length > 2) return ctx.error('Syntax: AUTH mechanism [initial-response]');
    if (command.args[0].toUpperCase() !== 'PLAIN') return ctx.error('Unsupported authentication mechanism');
    const respond = async (line: string) => {
      if (line === '*') return ctx.error('Authentication cancelled');
      const decoded = decodeSaslPlain(line);
      if (!decoded) return ctx.error('Invalid PLAIN response');
      // No proxy authorisation: an authzid must name the same user.
      if (decoded.authzid && decoded.authzid.toLowerCase() !== decoded.username.toLowerCase()) {
        ctx.deps.authThrottle.recordFailure(ctx.remoteAddress, decoded.username);
        return ctx.error('Authentication failed', 'AUTH');
      }
      await login(ctx, decoded.username, decoded.password);
    };
    const initial = command.args[1];
    if (initial !== undefined) return respond(initial === '=' ? '' : initial);
    ctx.expectContinuation(respond);
    await ctx.send('+ \r\n');
  },
};

export const STLS: CommandHandler = {
  states: AUTHORIZATION,
  run(ctx, command) {
    if (command.args.length > 0) return ctx.error('STLS takes no arguments');
    if (ctx.secure) return ctx.error('Already using TLS');
    ctx.startTls();
  },
};
