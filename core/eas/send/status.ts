/**
 * The status values SendMail, SmartReply, SmartForward and MeetingResponse answer with: the
 * MS-ASCMD §2.2.2 common codes that apply to sending (ComposeMail Status, §2.2.3.177.14/16), and
 * the MeetingResponse Result Status (§2.2.3.177.9).
 */
export const ComposeStatus = {
  InvalidContent: 101,
  InvalidWBXML: 102,
  InvalidXML: 103,
  InvalidMIME: 107,
  ServerError: 110,
  ServerErrorRetryLater: 111,
  MailboxQuotaExceeded: 113,
  SendQuotaExceeded: 115,
  MessageRecipientUnresolved: 116,
  MessageReplyNotAllowed: 117,
  MessagePreviouslySent: 118,
  MessageHasNoRecipient: 119,
  MailSubmissionFailed: 120,
  MessageReplyFailed: 121,
  AttachmentIsTooLarge: 122,
  /** A From (or Sender) address the account may not send as: there is no dedicated code. */
  AccessDenied: 130,
  ItemNotFound: 150,
} as const;

/** MeetingResponse Result Status: 1 success, 2 invalid request, 3 mailbox error, 4 server error. */
export const MeetingStatus = {
  Success: 1,
  InvalidRequest: 2,
  MailboxError: 3,
  ServerError: 4,
} as const;

/** A failure the command reports as its Status instead of sending. */
export class ComposeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ComposeError';
  }
}
