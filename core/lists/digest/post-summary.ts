/**
 * What a digest shows of one post: its decoded Subject, From, Date and Message-ID, its plain text
 * (for RFC 1153 digests) and its bytes without trace and signature fields (for MIME digests).
 */
import { bodyLists, partText } from '../../jmap/email-body';
import { decodeHeaderValue, parseMessageStructure } from '../../mime';
import { readHeader } from '../../mime/header-parser';
import { stripHtml } from '../../mime/text-extract';

export interface PostSummary {
  subject: string;
  from: string;
  /** The Date field as sent (RFC 1153 keeps it), or '' when absent. */
  date: string;
  messageId: string | null;
  /** Plain text of the body (HTML-only posts as text). */
  text: string;
  /** The post's header fields kept in a digest, CRLF-terminated, then the blank line and body. */
  encapsulated: Buffer;
}

/** Fields about one hop or one signature: they say nothing to a digest reader. */
const DROPPED =
  /^(received|return-path|delivered-to|dkim-signature|arc-[a-z-]+|authentication-results|x-original-to)$/i;

export function summarisePost(raw: Buffer): PostSummary {
  const structure = parseMessageStructure(raw);
  const env = structure.envelope;
  const top = readHeader(raw, 0, structure.body.bodyStart);
  const field = (name: string): string =>
    top.fields.find((f) => f.name.toLowerCase() === name)?.value.trim() ?? '';
  const lists = bodyLists(0, structure);
  const plain = lists.textBody.filter((l) => l.jmap.type === 'text/plain');
  const text =
    plain.length > 0
      ? plain.map((l) => partText(raw, l.part)).join('\n\n')
      : lists.htmlBody
          .filter((l) => l.jmap.type === 'text/html')
          .map((l) => stripHtml(partText(raw, l.part)))
          .join('\n\n');
  const kept = top.fields.filter((f) => !DROPPED.test(f.name)).map((f) => Buffer.from(f.raw));
  const rawLines = kept.map((b) => (b.subarray(-2).toString('latin1') === '\r\n' ? b : withCrlf(b)));
  return {
    subject: decodeHeaderValue(env.subject ?? field('subject')).trim() || '(no subject)',
    from: decodeHeaderValue(field('from')) || '(unknown sender)',
    date: field('date'),
    messageId: env.messageId,
    text: text.replace(/\r\n?/g, '\n'),
    encapsulated: Buffer.concat([...rawLines, Buffer.from('\r\n'), raw.subarray(structure.body.bodyStart)]),
  };
}

function withCrlf(field: Buffer): Buffer {
  const trimmed = field.toString('latin1').replace(/\r?\n$/, '');
  return Buffer.from(trimmed + '\r\n', 'latin1');
}
