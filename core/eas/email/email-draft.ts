/**
 * 16.x drafts (MS-ASEMAIL §3.1.5.4): a device adds a draft to the Drafts folder from To, Cc,
 * Bcc, Subject, Importance and Body; it becomes an RFC 5322 message (nodemailer's MailComposer,
 * as JMAP drafts are) appended with \Draft and \Seen, From the account's own address.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { OverQuotaError } from '../../store/copy-move';
import { ImapAppender } from '../../store/imap-append';
import { MailboxStore } from '../../store/mailbox-store';
import type { ItemResult } from '../sync/item-source';
import { pageOf } from '../wbxml/code-pages';
import { child, childrenNamed, type EasElement } from '../wbxml/tree';
import { itemServerId } from './email-ids';
import type { EmailSourceDeps } from './email-source';

const EMAIL = pageOf('Email') as number;
const EMAIL2 = pageOf('Email2') as number;
const BASE = pageOf('AirSyncBase') as number;

/** Bounds of one draft: header fields and the attachments carried in one Sync Add. */
const MAX_FIELD = 64 * 1024;
const MAX_ATTACHMENTS = 50;

export interface DraftFields {
  to?: string;
  cc?: string;
  bcc?: string;
  subject?: string;
  importance?: number;
  text?: string;
  html?: string;
  attachments: { filename: string; content: Buffer; contentType?: string; cid?: string; inline: boolean }[];
}

/** Header text without line breaks (no header injection from a device's field). */
const field = (node: EasElement | undefined): string | undefined =>
  node?.text === undefined ? undefined : node.text.replace(/[\r\n]+/g, ' ').slice(0, MAX_FIELD);

export function parseDraft(data: EasElement): DraftFields {
  const body = child(data, 'Body', BASE);
  const bodyType = child(body, 'Type', BASE)?.text?.trim();
  const bodyData = child(body, 'Data', BASE);
  const bodyText = bodyData?.text ?? bodyData?.opaque?.toString('utf8');
  const importance = Number(child(data, 'Importance', EMAIL)?.text);
  const attachments: DraftFields['attachments'] = [];
  for (const add of childrenNamed(child(data, 'Attachments', BASE), 'Add').slice(0, MAX_ATTACHMENTS)) {
    const content = child(add, 'Content', BASE);
    // Content is binary: opaque in WBXML; inline text is taken as base64.
    const bytes =
      content?.opaque ?? (content?.text !== undefined ? Buffer.from(content.text, 'base64') : null);
    if (!bytes) continue;
    attachments.push({
      filename: field(child(add, 'DisplayName', BASE)) ?? 'attachment',
      content: bytes,
      contentType: field(child(add, 'ContentType', BASE)),
      cid: field(child(add, 'ContentId', BASE)),
      inline: child(add, 'IsInline', BASE)?.text?.trim() === '1',
    });
  }
  return {
    to: field(child(data, 'To', EMAIL)),
    cc: field(child(data, 'Cc', EMAIL)),
    bcc: field(child(data, 'Bcc', EMAIL2)),
    subject: field(child(data, 'Subject', EMAIL)),
    importance: Number.isInteger(importance) ? importance : undefined,
    text: bodyType === '2' ? undefined : bodyText,
    html: bodyType === '2' ? bodyText : undefined,
    attachments,
  };
}

export async function composeDraft(from: string, draft: DraftFields): Promise<Buffer> {
  const composer = new MailComposer({
    from,
    to: draft.to,
    cc: draft.cc,
    bcc: draft.bcc,
    subject: draft.subject,
    date: new Date(),
    text: draft.text ?? (draft.html === undefined ? '' : undefined),
    html: draft.html,
    priority: draft.importance === 2 ? 'high' : draft.importance === 0 ? 'low' : undefined,
    attachments: draft.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.cid,
      contentDisposition: a.inline ? ('inline' as const) : ('attachment' as const),
    })),
  });
  const node = composer.compile();
  // A draft keeps its Bcc: it is the user's own copy, not what is sent.
  node.keepBcc = true;
  return node.build();
}

export async function addDraft(
  deps: EmailSourceDeps,
  accountId: number,
  mailboxId: number,
  data: EasElement,
): Promise<ItemResult> {
  const account = await deps.db.query<{ address: string }>(`SELECT address FROM accounts WHERE id = $1`, [
    accountId,
  ]);
  const address = account.rows[0]?.address;
  if (!address) return { status: 6 };
  const raw = await composeDraft(address, parseDraft(data));
  const appender = new ImapAppender(
    deps.db,
    deps.blobs,
    new MailboxStore(deps.db, deps.blobs, deps.events),
    deps.events,
  );
  try {
    const { uids } = await appender.append(accountId, mailboxId, [
      { data: raw, flags: ['\\Draft', '\\Seen'] },
    ]);
    return { status: 1, serverId: itemServerId(mailboxId, uids[0]) };
  } catch (error) {
    // Sync has no quota status; 6 (the item could not be stored) makes the device keep its copy.
    if (error instanceof OverQuotaError) return { status: 6 };
    throw error;
  }
}
