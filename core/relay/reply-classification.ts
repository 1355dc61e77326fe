/**
 * What a remote SMTP answer (or a connection problem) means for one recipient: delivered,
 * try again later (4xx, network), or give up and bounce (5xx).
 */
export class RelayFailure extends Error {
  constructor(
    readonly permanent: boolean,
    readonly code: number,
    readonly enhanced: string,
    message: string,
    /** The remote host that answered, when there was one. */
    readonly remoteMta?: string,
  ) {
    super(message);
    this.name = 'RelayFailure';
  }
}

export type RecipientStatus = 'sent' | 'temporary' | 'permanent';

export interface RecipientResult {
  address: string;
  status: RecipientStatus;
  /** Enhanced status code (RFC 3463), e.g. 2.0.0, 4.2.0, 5.1.1. */
  enhanced: string;
  /** The remote reply or our own explanation (goes into Diagnostic-Code). */
  diagnostic: string;
  /** True when the diagnostic is a reply from the remote server (smtp; …) rather than ours. */
  remoteReply: boolean;
  remoteMta?: string;
}

const ENHANCED = /^\s*\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** Classifies one SMTP reply text ("550 5.1.1 No such user"). */
export function classifyReply(
  response: string,
  fallbackCode?: number,
): { status: RecipientStatus; code: number; enhanced: string } {
  const code = Number(/^\s*(\d{3})/.exec(response)?.[1] ?? fallbackCode ?? 451);
  const match = ENHANCED.exec(response);
  const klass = Math.floor(code / 100);
  const status: RecipientStatus = klass === 2 ? 'sent' : klass === 5 ? 'permanent' : 'temporary';
  let enhanced = match
    ? `${match[1]}.${match[2]}.${match[3]}`
    : `${klass === 2 ? 2 : klass === 5 ? 5 : 4}.0.0`;
  // A class digit that disagrees with the basic code is ignored (RFC 3463 §2).
  if (match && Number(match[1]) !== (klass === 3 ? 2 : klass)) enhanced = `${klass === 5 ? 5 : 4}.0.0`;
  return { status, code, enhanced };
}

/** Turns a connection-level error (no usable reply) into a temporary result text. */
export function connectionFailure(error: Error & { code?: string }, host: string): RelayFailure {
  const detail = error.code ? `${error.code}: ${error.message}` : error.message;
  return new RelayFailure(false, 451, '4.4.1', `connection to ${host} failed (${detail})`);
}

/** One line, no CR/LF, bounded length: safe for logs, DSN fields and queue errors. */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s*\r?\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
