/** STARTTLS, LOGIN, AUTHENTICATE PLAIN (with SASL-IR). */
import { throttledMessage } from '../../../core/auth/auth-throttle';
import { decodeSaslPlain } from '../../../core/auth/sasl-plain';
import type { ImapSession } from '../session';
import { bad, no, ok, type CommandResult } from '../types';
import type { Handler } from './context';

export const starttls: Handler = async (s, { tag, t }) => {
  t.end();
  if (s.info.secure) return bad('TLS is already active');
  s.startTls(tag);
  return null;
};

function insecure(s: ImapSession): boolean {
  return !s.info.secure && !s.options.allowInsecureAuth;
}

async function check(s: ImapSession, username: string, password: string): Promise<CommandResult> {
  const throttle = s.services.deps.authThrottle;
  const address = s.info.remoteAddress;
  const wait = throttle.retryAfter(address, username);
  if (wait > 0) return no(throttledMessage(wait), 'UNAVAILABLE');
  const account = await s.services.deps.directory.authenticate(username, password);
  if (!account) {
    throttle.recordFailure(address, username);
    s.log.info({ username }, 'IMAP authentication failed');
    return no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  throttle.recordSuccess(address, username);
  if (!s.claimUserSlot(account.id)) {
    s.log.info({ username }, 'IMAP login refused: too many connections for this user from this address');
    return no('Too many connections for this user from this address', 'LIMIT');
  }
  await s.loggedIn(account);
  s.log.info('IMAP login');
  return ok('Logged in', `CAPABILITY ${s.capabilities().join(' ')}`);
}

export const login: Handler = async (s, { t }) => {
  t.sp();
  const username = t.astring();
  t.sp();
  const password = t.astring();
  t.end();
  if (insecure(s)) return no('Use STARTTLS before LOGIN', 'PRIVACYREQUIRED');
  return check(s, username, password);
};

export const authenticate: Handler = async (s, { tag, t }) => {
  t.sp();
  const mechanism = t.atom().toUpperCase();
  let initial: string | null = null;
  if (!t.atEnd) {
    t.sp();
    initial = t.atom('=');
  }
  t.end();
  if (mechanism !== 'PLAIN') return no(`Unsupported mechanism ${mechanism}`, 'CANNOT');
  if (insecure(s)) return no('Use STARTTLS before AUTHENTICATE', 'PRIVACYREQUIRED');
  const finish = async (response: string): Promise<CommandResult> => {
    if (response === '*') return bad('Authentication cancelled');
    const creds = decodeSaslPlain(response === '=' ? '' : response);
    if (!creds) return bad('Invalid SASL PLAIN response');
    if (creds.authzid && creds.authzid.toLowerCase() !== creds.username.toLowerCase()) {
      return no('Proxy authorisation is not supported', 'AUTHORIZATIONFAILED');
    }
    return check(s, creds.username, creds.password);
  };
  if (initial !== null) return finish(initial);
  s.send('+ \r\n');
  s.expectLine(async (line) => {
    s.expectLine(null);
    s.finishCommand(tag, await finish(line.toString('latin1').trim()));
  });
  return null;
};
