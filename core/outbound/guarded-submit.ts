/**
 * The outbound guard for submissions that do not come over SMTP (JMAP EmailSubmission/set): the
 * same limits, signals and holds as submission (core/outbound/outbound-guard.ts). The client
 * address is unknown there, so only the user and domain scopes count. Where the node did not
 * hand over its control (JmapDeps.outbound), one is built with the built-in defaults and the SQL
 * overrides (`nimbus limits set`).
 */
import type { Logger } from 'pino';
import type { AcceptInput, MessageAcceptor } from '../delivery/message-acceptor';
import type { BlobStore } from '../ports/blob-store';
import type { SqlDatabase } from '../ports/sql';
import { DEFAULT_OUTBOUND_LIMITS } from './limits';
import { outboundControl, type OutboundControl } from './setup';
import { DEFAULT_SIGNALS } from './signals';

export interface GuardedSubmitDeps {
  db: SqlDatabase;
  blobs: BlobStore;
  acceptor: Pick<MessageAcceptor, 'accept'>;
  /** null: the guard is turned off (outbound.enabled false); absent: built-in defaults. */
  outbound?: OutboundControl | null;
}

/** Without the node's logger (JMAP, ActiveSync): warnings and errors as JSON lines on stderr. */
const line =
  (level: string) =>
  (obj: unknown, msg?: string): void =>
    console.error(JSON.stringify({ level, ...(typeof obj === 'object' ? obj : { obj }), msg }));
const fallbackLog = {
  info: () => undefined,
  warn: line('warn'),
  error: line('error'),
  child: () => fallbackLog,
} as unknown as Logger;

export async function guardedSubmit(
  deps: GuardedSubmitDeps,
  account: string,
  input: AcceptInput,
): Promise<{ queueId: string } | { refused: string; permanent: boolean }> {
  if (deps.outbound === null) return deps.acceptor.accept(input);
  const domain = account.slice(account.lastIndexOf('@') + 1);
  const control =
    deps.outbound ??
    outboundControl(
      { enabled: true, limits: DEFAULT_OUTBOUND_LIMITS, signals: DEFAULT_SIGNALS },
      deps.db,
      deps.blobs,
      deps.acceptor,
      domain,
      fallbackLog,
    )!;
  const decision = await control.guard.admit(
    account,
    '',
    input.recipients.map((r) => r.address),
  );
  if (decision.kind === 'refuse') return { refused: decision.text, permanent: decision.permanent };
  if (decision.kind === 'hold') return control.held.hold(input, account, decision.reason);
  return deps.acceptor.accept(input);
}

/** Refused by the outbound guard (thrown by guardedAcceptor's accept). */
export class OutboundRefused extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

/** An acceptor for `account` that passes the guard first (ActiveSync SendMail/SmartReply/SmartForward). */
export function guardedAcceptor(deps: GuardedSubmitDeps, account: string): Pick<MessageAcceptor, 'accept'> {
  return {
    accept: async (input) => {
      const result = await guardedSubmit(deps, account, input);
      if ('refused' in result) throw new OutboundRefused(result.refused, result.permanent);
      return result;
    },
  };
}
