/**
 * The plain-text digest of RFC 1153: a preamble with the topics, a line of 70 hyphens, then each
 * post as Date/From/Subject headers and its text, each followed by a line of 30 hyphens, and the
 * "End of ... Digest" trailer over a line of asterisks.
 */
import { digestHeader, rfc5322Date, type DigestIssue } from './digest-header';
import type { PostSummary } from './post-summary';

export const RFC1153_PREAMBLE_SEPARATOR = '-'.repeat(70);
export const RFC1153_MESSAGE_SEPARATOR = '-'.repeat(30);

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
  const header = digestHeader(issue, plainDigestSubject(issue), [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ]);
  return Buffer.from(`${header}\r\n\r\n${lines.join('\r\n')}`, 'utf8');
}
