/**
 * Sending a composed message as the account, with the checks of the other submission paths: the
 * From (and Sender) addresses must be the account's own address or an alias of it (the JMAP
 * identities' rule, core/jmap/util.ts ownAddresses, and the SMTP submission policy's); recipients
 * are the To/Cc/Bcc addresses, a local address with no user is refused as at RCPT; Bcc is removed
 * before the message leaves (core/jmap/submission.ts stripBcc) but kept in the Sent copy.
 */
import { randomUUID } from 'node:crypto';
import type { MessageAcceptor } from '../../delivery/message-acceptor';
import type { Directory } from '../../directory/directory';
import { stripBcc } from '../../jmap/submission';
import { ownAddresses } from '../../jmap/util';
import { parseAddress } from '../../mail/address';
import { parseAddressList } from '../../mime';
import { readHeader } from '../../mime/header-parser';
import type { SqlExecutor } from '../../ports/sql';
import { ComposeError, ComposeStatus } from './status';

export interface SendLimits {
  /** Bytes of the outgoing message (the transport also bounds the request body). */
  maxMessageBytes: number;
  /** Envelope recipients of one message. */
  maxRecipients: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = { maxMessageBytes: 16 * 1024 * 1024, maxRecipients: 100 };

export interface Outgoing {
  /** The message as the Sent copy keeps it (Bcc included). */
  message: Buffer;
  /** The bytes relayed (Bcc removed). */
  wire: Buffer;
  mailFrom: string;
  recipients: string[];
}

const normalized = (address: string): string | null => {
  try {
    return parseAddress(address, { utf8: true }).key;
  } catch {
    return null;
  }
};

function addressesOf(values: string[]): (string | null)[] {
  return values.flatMap((value) =>
    (parseAddressList(value) ?? [])
      .filter((a) => a.host !== null && a.mailbox !== null)
      .map((a) => normalized(`${a.mailbox}@${a.host}`)),
  );
}

/**
 * Checks a message the device composed and works out its envelope. A message without From gets
 * the account's address (what Exchange does); one From field, with addresses all the account's.
 * @throws ComposeError with the Status to answer
 */
export async function prepareOutgoing(
  db: SqlExecutor,
  directory: Pick<Directory, 'cachedResolve'>,
  account: { id: number; address: string },
  raw: Buffer,
  limits: SendLimits = DEFAULT_SEND_LIMITS,
): Promise<Outgoing> {
  if (raw.length > limits.maxMessageBytes)
    throw new ComposeError(ComposeStatus.AttachmentIsTooLarge, 'too large');
  let message = raw;
  let head = readHeader(message, 0, message.length);
  if (head.fields.length === 0) throw new ComposeError(ComposeStatus.InvalidMIME, 'no header');
  const values = (name: string) =>
    head.fields.filter((f) => f.name.toLowerCase() === name).map((f) => f.value);
  if (values('from').length === 0) {
    message = Buffer.concat([Buffer.from(`From: <${account.address}>\r\n`, 'utf8'), message]);
    head = readHeader(message, 0, message.length);
  }
  if (values('date').length === 0) {
    message = Buffer.concat([
      Buffer.from(`Date: ${new Date().toUTCString().replace('GMT', '+0000')}\r\n`),
      message,
    ]);
    head = readHeader(message, 0, message.length);
  }
  if (values('message-id').length === 0) {
    const domain = account.address.slice(account.address.lastIndexOf('@') + 1);
    message = Buffer.concat([Buffer.from(`Message-ID: <${randomUUID()}@${domain}>\r\n`), message]);
    head = readHeader(message, 0, message.length);
  }
  const from = values('from');
  if (from.length !== 1) throw new ComposeError(ComposeStatus.InvalidMIME, 'exactly one From field');
  const mine = new Set(await ownAddresses(db, account));
  const senders = addressesOf([...from, ...values('sender')]);
  if (senders.length === 0 || senders.some((a) => a === null || !mine.has(a)))
    throw new ComposeError(ComposeStatus.AccessDenied, `From not owned by ${account.address}`);

  const recipients = [...new Set(addressesOf([...values('to'), ...values('cc'), ...values('bcc')]))];
  if (recipients.length === 0) throw new ComposeError(ComposeStatus.MessageHasNoRecipient, 'no recipients');
  if (recipients.some((r) => r === null))
    throw new ComposeError(ComposeStatus.MessageRecipientUnresolved, 'bad address');
  if (recipients.length > limits.maxRecipients)
    throw new ComposeError(ComposeStatus.SendQuotaExceeded, 'too many');
  for (const address of recipients as string[]) {
    if ((await directory.cachedResolve(address)).kind === 'unknown-user')
      throw new ComposeError(ComposeStatus.MessageRecipientUnresolved, `no user ${address}`);
  }
  return {
    message,
    wire: stripBcc(message, head.bodyStart),
    // The checked From address (the account's own or its alias) is the envelope sender too.
    mailFrom: senders[0] as string,
    recipients: recipients as string[],
  };
}

/** Hands the message to the spool (local delivery and relay), authenticated as the account. */
export async function submitOutgoing(
  acceptor: Pick<MessageAcceptor, 'accept'>,
  account: { address: string },
  outgoing: Outgoing,
): Promise<string> {
  const { queueId } = await acceptor.accept({
    data: outgoing.wire,
    mailFrom: outgoing.mailFrom,
    recipients: outgoing.recipients.map((address) => ({ address })),
    authenticatedAs: account.address,
    client: { address: '127.0.0.1', helo: 'activesync' },
  });
  return queueId;
}
