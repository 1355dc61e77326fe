/**
 * The plain-text digest of RFC 1153: a preamble with the topics, a line of 70 hyphens, then each
 * post as Date/From/Subject headers and its text, each followed by a line of 30 hyphens, and the
 * "End of ... Digest" trailer over a line of asterisks.
 */
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { digestHeader, rfc5322Date, type DigestIssue } from './digest-header';
import type { PostSummary } from './post-summary';

export const RFC1153_PREAMBLE_SEPARATOR = '-'.repeat(70);
export const RFC1153_MESSAGE_SEPARATOR = '-'.repeat(30);

/** RFC 5322 §2.1.1: no line over 998 octets (plus CRLF); 8bit text must keep to it. */
const MAX_LINE_OCTETS = 998;

/** RFC 1153 subject form: "<List> Digest V<volume> #<issue>". */
export function plainDigestSubject(issue: DigestIssue): string {
  return `${issue.listName} Digest V${issue.volume} #${issue.issue}`;
}

/** A body line that is exactly a separator would end the message early: RFC 1153 has it indented. */
function guardBody(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) =>
      line === RFC1153_MESSAGE_SEPARATOR || line === RFC1153_PREAMBLE_SEPARATOR ? ` ${line}` : line,
    )
    .join('\r\n');
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

export function buildPlainDigest(issue: DigestIssue, posts: PostSummary[]): Buffer {
  const title = `${issue.listName} Digest`;
  const lines: string[] = [
    `${title}\t${rfc5322Date(issue.date).slice(0, 16)}\tVolume ${issue.volume} : Issue ${issue.issue}`,
    '',
    "Today's Topics:",
    ...posts.map((p) => `     ${oneLine(p.subject)}  [ ${oneLine(p.from)} ]`),
    '',
    RFC1153_PREAMBLE_SEPARATOR,
    '',
  ];
  for (const p of posts) {
    if (p.date) lines.push(`Date: ${oneLine(p.date)}`);
    lines.push(`From: ${oneLine(p.from)}`, `Subject: ${oneLine(p.subject)}`);
    if (p.messageId) lines.push(`Message-ID: ${oneLine(p.messageId)}`);
    lines.push('', guardBody(p.text), '', RFC1153_MESSAGE_SEPARATOR, '');
  }
  const end = `End of ${title} V${issue.volume} Issue #${issue.issue}`;
  lines.push(end, '*'.repeat(end.length), '');
  const body = lines.join('\r\n');
  // A post with a longer line (an HTML-only post's text, a pasted log) is kept whole: the digest
  // then goes quoted-printable, which folds with soft line breaks that readers undo.
  const long = body.split('\r\n').some((line) => Buffer.byteLength(line, 'utf8') > MAX_LINE_OCTETS);
  const header = digestHeader(issue, plainDigestSubject(issue), [
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${long ? 'quoted-printable' : '8bit'}`,
  ]);
  const encoded = long ? qpWrap(qpEncode(Buffer.from(body, 'utf8')), 76) : body;
  return Buffer.from(`${header}\r\n\r\n${encoded}`, 'utf8');
}
