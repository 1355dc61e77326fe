/** Size limits for the literals a client announces ({size} or {size+}), judged by the command line before them. */

const UNAUTH_LITERAL_LIMIT = 8 * 1024;
const COMMAND_LITERAL_LIMIT = 1024 * 1024;

/** The tag at the start of a (partial) command line; `*` when there is none. */
export function commandTag(line: string): string {
  return /^[^\s(){%*"\\]+/.exec(line)?.[0] ?? '*';
}

export interface LiteralCheck {
  /** The command's tag, for a refusal. */
  tag: string;
  /** The literal is a message of APPEND (its size counts against the quota). */
  append: boolean;
  /** Over the limit: the response to send, and whether the connection must be closed. */
  tooLarge: { response: string; fatal: boolean } | null;
}

export function checkLiteral(
  prefix: Buffer,
  size: number,
  sync: boolean,
  authenticated: boolean,
  options: { maxLiteralSize: number; maxCommandLineLength: number },
): LiteralCheck {
  const head = prefix.toString('latin1', 0, Math.min(prefix.length, 300));
  const tag = commandTag(head);
  // REPLACE (RFC 8508) carries a message like APPEND (CATENATE's TEXT parts are inside APPEND/REPLACE).
  const append = /^\S+ (?:UID )?(?:APPEND|REPLACE) /i.test(head);
  const limit = !authenticated
    ? UNAUTH_LITERAL_LIMIT
    : append
      ? options.maxLiteralSize
      : Math.max(COMMAND_LITERAL_LIMIT, options.maxCommandLineLength);
  if (size <= limit) return { tag, append, tooLarge: null };
  // A non-synchronising literal this large would have to be read and thrown away.
  const fatal = !sync && size > limit * 4 + 1024 * 1024;
  const response = append ? `NO [TOOBIG] Message too large (limit ${limit} octets)` : 'BAD Literal too large';
  return { tag, append, tooLarge: { response, fatal } };
}
