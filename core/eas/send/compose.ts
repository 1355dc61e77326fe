/**
 * The outgoing message of SmartReply and SmartForward (MS-ASCMD §2.2.1.19/.20). The device sends
 * only its new part; without ReplaceMime the server adds the original: a reply quotes the
 * original's text below the new text, a forward includes it with its header summary and attaches
 * the original's attachments. With ReplaceMime the device's MIME is the whole message (§2.2.3.148:
 * nothing of the original is added). Either way a reply gets In-Reply-To and References from the
 * original, a forward References, so threads hold together in every client.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { decodeHeaderValue, parseMessageStructure, type MessageStructure } from '../../mime';
import { readHeader } from '../../mime/header-parser';
import { escapeHtml, htmlContent, messageParts, plainText, toCrlf, type MessageParts } from './mime-parts';
import type { OriginalMessage } from './original';

export type SmartKind = 'reply' | 'forward';

const CONTENT_FIELD = /^(content-|mime-version$)/i;

/** The original's Message-ID and References, for threading. */
function threading(
  original: MessageStructure,
  raw: Buffer,
): { messageId: string | null; references: string[] } {
  const fields = readHeader(raw, 0, original.headerSize).fields;
  const value = (name: string) => fields.find((f) => f.name.toLowerCase() === name)?.value ?? null;
  const ids = (v: string | null) => v?.match(/<[^<>\s]+>/g) ?? [];
  const messageId = ids(original.envelope.messageId)[0] ?? null;
  const references = [...ids(value('references'))];
  if (references.length === 0) references.push(...ids(original.envelope.inReplyTo).slice(0, 1));
  if (messageId) references.push(messageId);
  return { messageId, references: [...new Set(references)] };
}

/** Adds the fields the device left out, in front of its header (its own fields win). */
function withHeaderFields(raw: Buffer, add: [string, string | null][]): Buffer {
  const { fields } = readHeader(raw, 0, raw.length);
  const has = new Set(fields.map((f) => f.name.toLowerCase()));
  const lines = add
    .filter(([name, value]) => value !== null && value !== '' && !has.has(name.toLowerCase()))
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return lines.length > 0 ? Buffer.concat([Buffer.from(lines.join(''), 'utf8'), raw]) : raw;
}

function addressLine(list: MessageStructure['envelope']['from']): string {
  return (list ?? [])
    .filter((a) => a.host !== null)
    .map((a) => {
      const email = `${a.mailbox ?? ''}@${a.host}`;
      const name = a.name ? decodeHeaderValue(a.name) : '';
      return name ? `${name} <${email}>` : email;
    })
    .join(', ');
}

/** The lines introducing the original ("On …, … wrote:" or the forwarded header block). */
function summary(kind: SmartKind, original: MessageStructure): string[] {
  const env = original.envelope;
  const date = env.date ?? '';
  const from = addressLine(env.from);
  if (kind === 'reply') return [`On ${date}, ${from} wrote:`];
  return [
    '-----Original Message-----',
    `From: ${from}`,
    `Sent: ${date}`,
    `To: ${addressLine(env.to)}`,
    ...(env.cc ? [`Cc: ${addressLine(env.cc)}`] : []),
    `Subject: ${env.subject ? decodeHeaderValue(env.subject) : ''}`,
  ];
}

function combinedText(
  kind: SmartKind,
  mine: MessageParts,
  original: OriginalMessage,
  theirs: MessageParts,
): string {
  const intro = summary(kind, original.structure);
  const body = plainText(theirs).replace(/\r\n?/g, '\n');
  const quoted =
    kind === 'reply'
      ? body
          .split('\n')
          .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
          .join('\n')
      : body;
  return `${plainText(mine).replace(/\s+$/, '')}\n\n${intro.join('\n')}\n${kind === 'forward' ? '\n' : ''}${quoted}\n`;
}

function combinedHtml(
  kind: SmartKind,
  mine: MessageParts,
  original: OriginalMessage,
  theirs: MessageParts,
): string {
  const intro = summary(kind, original.structure).map(escapeHtml).join('<br>\r\n');
  const quoted =
    kind === 'reply'
      ? `<div>${intro}</div>\r\n<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">\r\n${htmlContent(theirs)}\r\n</blockquote>`
      : `<hr>\r\n<div>${intro}</div>\r\n<br>\r\n${htmlContent(theirs)}`;
  const html = mine.html ?? `<html><body>${htmlContent(mine)}</body></html>`;
  const close = html.search(/<\/body>/i);
  return close >= 0 ? `${html.slice(0, close)}${quoted}\r\n${html.slice(close)}` : `${html}\r\n${quoted}`;
}

async function buildBody(parts: Mail.Options): Promise<Buffer> {
  const node = new MailComposer(parts).compile();
  // 7bit text parts keep the line ends they were given: SMTP needs CRLF everywhere.
  return toCrlf(await node.build());
}

/**
 * The message to send for a SmartReply/SmartForward: the device's header as it wrote it (From,
 * To, Subject …), the threading fields it left out, and the body the server completes.
 */
export async function composeSmart(
  kind: SmartKind,
  deviceMime: Buffer,
  original: OriginalMessage,
  replaceMime: boolean,
): Promise<Buffer> {
  const device = toCrlf(deviceMime);
  const thread = threading(original.structure, original.raw);
  const threadFields: [string, string | null][] =
    kind === 'reply'
      ? [
          ['In-Reply-To', thread.messageId],
          ['References', thread.references.join(' ')],
        ]
      : [['References', thread.references.join(' ')]];
  if (replaceMime) return withHeaderFields(device, threadFields);

  const structure = parseMessageStructure(device);
  const mine = messageParts(device, structure);
  const theirs = messageParts(original.raw, original.structure);
  const attachments: Mail.Attachment[] = [
    ...mine.attachments,
    ...(kind === 'forward' ? theirs.attachments : []),
  ].map((a) => ({
    filename: a.filename,
    content: a.content,
    contentType: a.contentType,
    cid: a.cid,
    contentDisposition: a.inline ? 'inline' : 'attachment',
  }));
  const wantHtml = mine.html !== null || theirs.html !== null;
  const body = await buildBody({
    text: combinedText(kind, mine, original, theirs),
    html: wantHtml ? combinedHtml(kind, mine, original, theirs) : undefined,
    attachments,
  });
  // The device's own header fields, then the generated content fields and body.
  const head = readHeader(device, 0, device.length);
  const kept = head.fields.filter((f) => !CONTENT_FIELD.test(f.name)).map((f) => f.raw);
  const generated = readHeader(body, 0, body.length);
  const content = generated.fields.filter((f) => CONTENT_FIELD.test(f.name)).map((f) => f.raw);
  const message = Buffer.concat([
    ...kept,
    ...content,
    Buffer.from('\r\n'),
    body.subarray(generated.bodyStart),
  ]);
  return withHeaderFields(message, threadFields);
}
