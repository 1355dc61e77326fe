import type { SpoolRecipient, SpoolPayload } from '../ports/spool';
import type { DeliveryTarget } from './mx-selection';
import type { RecipientResult } from './reply-classification';

/** One SMTP transaction to send: several recipients of one domain sharing envelope and DSN options. */
export interface OutboundMessage {
  mailFrom: string;
  recipients: SpoolRecipient[];
  dsn?: SpoolPayload['dsn'];
  body: Buffer;
}

/** How to talk to a target beyond host and port (smarthost credentials, MTA-STS). */
export interface TargetOptions {
  /** Fail unless STARTTLS succeeds with a certificate valid for the host name (MTA-STS enforce). */
  requireVerifiedTls?: boolean;
  /** Implicit TLS (smarthost on 465). */
  implicitTls?: boolean;
  /** STARTTLS is mandatory but the certificate is not checked (smarthost with tls: 'required'). */
  requireTls?: boolean;
  auth?: { user: string; pass: string };
}

export type OutboundTarget = DeliveryTarget & TargetOptions;

/**
 * The outbound SMTP client port. `send` resolves with one result per recipient once the target
 * answered; it throws a RelayFailure when the target could not be used at all (connection refused,
 * greeting or TLS failure), which makes the caller try the next MX host.
 */
export interface OutboundTransport {
  send(target: OutboundTarget, message: OutboundMessage): Promise<RecipientResult[]>;
  close(): Promise<void>;
}
