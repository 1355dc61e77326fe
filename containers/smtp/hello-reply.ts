import { reply, type SmtpReply } from './smtp-reply';
import type { SessionInfo, SmtpServerOptions } from './types';

/** EHLO/HELO: the argument must be one word of at most 255 characters; else the 501 to send. */
export function helloSyntaxError(verb: 'EHLO' | 'HELO', argument: string): SmtpReply | null {
  if (!argument || /\s/.test(argument) || argument.length > 255) {
    return reply(501, '5.5.4', `Syntax: ${verb} hostname`);
  }
  return null;
}

/** The 250 to EHLO (with the ESMTP extensions this session offers) or to HELO. */
export function helloReply(
  verb: 'EHLO' | 'HELO',
  argument: string,
  options: SmtpServerOptions,
  info: SessionInfo,
  /** BURL can be offered (submission): it is announced once the client is authenticated. */
  burl = false,
): SmtpReply {
  if (verb !== 'EHLO') return reply(250, undefined, options.hostname);
  const lines = [
    `${options.hostname} greets ${argument}`,
    'PIPELINING',
    `SIZE ${options.limits.maxMessageSize}`,
    '8BITMIME',
    'SMTPUTF8',
    'ENHANCEDSTATUSCODES',
    'CHUNKING',
    'BINARYMIME',
    'DSN',
  ];
  // RFC 1985: ETRN on the MX only.
  if (options.name === 'mx') lines.push('ETRN');
  if (!info.secure) lines.push('STARTTLS');
  if (authOffered(options, info)) lines.push('AUTH PLAIN LOGIN');
  // RFC 4468 §3: "BURL imap" once authenticated, when the server knows whose URLs it may fetch.
  if (burl && info.authenticatedAs) lines.push('BURL imap');
  return { code: 250, lines };
}

function authOffered(options: SmtpServerOptions, info: SessionInfo): boolean {
  return options.authEnabled && (info.secure || options.allowInsecureAuth) && !info.authenticatedAs;
}
