/**
 * airsync:ApplicationData of one message (MS-ASEMAIL §2.2.2, MS-ASAIRS): the header fields as
 * Exchange writes them, read state, flag, categories, the conversation, body and attachments.
 * Text comes from the charset-decoded MIME parts and RFC 2047-decoded headers, so whatever the
 * message's encoding the device gets UTF-8.
 */
import { createHash } from 'node:crypto';
import { toEmailAddresses } from '../../jmap/email-body';
import { decodeHeaderValue, type Address, type BodyPart, type MessageStructure } from '../../mime';
import { paramValue } from '../../mime/content-type';
import { firstValue, readHeader } from '../../mime/header-parser';
import type { HeaderField } from '../../mime';
import { versionAtLeast } from '../protocol';
import type { RenderOptions } from '../sync/item-source';
import { el, type EasElement } from '../wbxml/tree';
import { attachmentsOf, renderAttachments } from './email-attachments';
import { messageTexts, renderBody, wellFormed } from './email-body';
import { categoriesOf } from './email-categories';
import { renderMeetingRequest } from './email-meeting';
import type { MailRow } from './email-query';

/** InternetCPID of UTF-8: every text we send is UTF-8. */
const UTF8_CPID = 65001;

export interface RenderInput {
  row: MailRow;
  raw: Buffer;
  options: RenderOptions;
  /** The JMAP thread of the message (core/jmap/threads.ts), for ConversationId. */
  threadId?: number;
  /** The message lies in the Drafts folder (16.x: Email2:IsDraft). */
  inDrafts?: boolean;
  maxBodyBytes?: number;
}

const quote = (name: string): string => `"${name.replace(/["\\]/g, (c) => '\\' + c)}"`;

/** RFC 5322 form: "Name" <a@b>, comma-separated, as Exchange sends To/Cc/From/ReplyTo. */
export function formatAddresses(list: Address[] | null): string | null {
  const addresses = toEmailAddresses(list);
  if (!addresses || addresses.length === 0) return null;
  return addresses.map((a) => (a.name ? `${quote(a.name)} <${a.email}>` : a.email)).join(', ');
}

/** DisplayTo: the recipients' display names (their addresses when they have none), "; "-separated. */
export function displayTo(list: Address[] | null): string | null {
  const addresses = toEmailAddresses(list);
  if (!addresses || addresses.length === 0) return null;
  return addresses.map((a) => a.name ?? a.email).join('; ');
}

/** Importance 0 low, 1 normal, 2 high, from Importance: or X-Priority: / Priority:. */
export function importanceOf(fields: HeaderField[]): number {
  const importance = firstValue(fields, 'importance')?.trim().toLowerCase();
  if (importance === 'high') return 2;
  if (importance === 'low') return 0;
  const priority = /^\s*([1-5])/.exec(firstValue(fields, 'x-priority') ?? '')?.[1];
  if (priority) return priority <= '2' ? 2 : priority >= '4' ? 0 : 1;
  const word = firstValue(fields, 'priority')?.trim().toLowerCase();
  if (word === 'urgent') return 2;
  if (word === 'non-urgent') return 0;
  return 1;
}

/** iTIP methods of text/calendar parts → the meeting message classes (MS-ASEMAIL MessageClass). */
function calendarMethod(part: BodyPart): string | null {
  if (part.kind === 'multipart') {
    for (const child of part.parts) {
      const found = calendarMethod(child);
      if (found) return found;
    }
    return null;
  }
  if (`${part.type}/${part.subtype}`.toLowerCase() !== 'text/calendar') return null;
  return paramValue(part.params, 'method')?.toUpperCase() ?? null;
}

export function messageClassOf(structure: MessageStructure): string {
  const method = calendarMethod(structure.body);
  if (method === 'REQUEST') return 'IPM.Schedule.Meeting.Request';
  if (method === 'CANCEL') return 'IPM.Schedule.Meeting.Canceled';
  return 'IPM.Note';
}

/** A stable 16-byte id per thread: devices group a conversation by it (opaque to them). */
export function conversationId(threadId: number): Buffer {
  return createHash('sha256').update(`nimbus-thread:${threadId}`).digest().subarray(0, 16);
}

/** ConversationIndex header block: 5 bytes of the FILETIME of the message (MS-OXOMSG order). */
export function conversationIndex(date: Date): Buffer {
  const filetime = (BigInt(date.getTime()) + 11644473600000n) * 10000n;
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(filetime);
  return bytes.subarray(1, 6);
}

function threadTopic(subject: string): string {
  return subject.replace(/^(\s*(re|fwd?|aw|wg|sv|vs)(\[\d+\])?:\s*)+/i, '');
}

/** Email2:LastVerbExecuted (the device's reply/forward icon): 1 replied, 3 forwarded, from IMAP flags. */
export function lastVerbOf(flags: string[]): number | null {
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  if (lower.has('$forwarded')) return 3;
  if (lower.has('\\answered')) return 1;
  return null;
}

function flagElement(flags: string[]): EasElement {
  const flagged = flags.some((f) => f.toLowerCase() === '\\flagged');
  if (!flagged) return el('Email', 'Flag');
  return el('Email', 'Flag', el('Email', 'Status', 2), el('Email', 'FlagType', 'Flag for follow up'));
}

export function renderApplicationData(input: RenderInput): EasElement {
  const { row, raw, options } = input;
  const structure = row.structure;
  const env = structure.envelope;
  const { fields } = readHeader(raw, 0, structure.headerSize);
  const subject = wellFormed(env.subject ? decodeHeaderValue(env.subject) : '');
  const texts = messageTexts(raw, structure);
  const categories = categoriesOf(row.flags);
  const seen = row.flags.some((f) => f.toLowerCase() === '\\seen');
  const v16 = versionAtLeast(options.version, '16.0');
  const messageClass = messageClassOf(structure);
  const text = (name: string, value: string | null) => value !== null && el('Email', name, wellFormed(value));
  return el(
    'AirSync',
    'ApplicationData',
    text('To', formatAddresses(env.to)),
    text('Cc', formatAddresses(env.cc)),
    text('From', formatAddresses(env.from)),
    el('Email', 'Subject', subject),
    text('ReplyTo', formatAddresses(env.replyTo)),
    el('Email', 'DateReceived', row.internalDate.toISOString()),
    text('DisplayTo', displayTo(env.to)),
    el('Email', 'ThreadTopic', threadTopic(subject)),
    el('Email', 'Importance', importanceOf(fields)),
    el('Email', 'Read', seen ? 1 : 0),
    renderAttachments(row.mailboxId, row.uid, attachmentsOf(structure)),
    renderBody({ raw, structure, texts, options, maxBodyBytes: input.maxBodyBytes }),
    el('Email', 'MessageClass', messageClass),
    messageClass !== 'IPM.Note' && renderMeetingRequest({ raw, structure, version: options.version }),
    el('Email', 'InternetCPID', UTF8_CPID),
    flagElement(row.flags),
    el('Email', 'ContentClass', 'urn:content-classes:message'),
    el('AirSyncBase', 'NativeBodyType', texts.nativeType),
    input.threadId !== undefined && el('Email2', 'ConversationId', conversationId(input.threadId)),
    el('Email2', 'ConversationIndex', conversationIndex(row.internalDate)),
    (() => {
      const verb = lastVerbOf(row.flags);
      return verb !== null && el('Email2', 'LastVerbExecuted', verb);
    })(),
    (() => {
      // Email2:Sender only when someone sent on behalf of From.
      const sender = formatAddresses(env.sender);
      return (
        sender !== null && sender !== formatAddresses(env.from) && el('Email2', 'Sender', wellFormed(sender))
      );
    })(),
    v16 && input.inDrafts === true && el('Email2', 'IsDraft', 1),
    el('Email', 'Categories', ...categories.map((c) => el('Email', 'Category', wellFormed(c)))),
  );
}
