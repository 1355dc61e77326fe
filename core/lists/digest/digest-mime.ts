/**
 * The MIME digest (RFC 2046 §5.1.5): multipart/mixed holding a text/plain table of contents and a
 * multipart/digest whose parts are the posts as message/rfc822 (the default type inside a
 * digest; written out all the same, as Mailman does, for readers that ignore the default).
 */
import { createHash } from 'node:crypto';
import { digestHeader, digestSubject, type DigestIssue } from './digest-header';
import type { PostSummary } from './post-summary';

export function tableOfContents(issue: DigestIssue, posts: PostSummary[]): string {
  const lines = [`Today's Topics:`, ''];
  posts.forEach((p, i) => lines.push(`   ${i + 1}. ${p.subject} (${p.from})`));
  return `${digestSubject(issue)}\r\n\r\n${lines.join('\r\n')}\r\n`;
}

/** A boundary that occurs in none of the parts (derived from them, so a rebuild gives the same). */
function boundary(seed: string, parts: Buffer[]): string {
  for (let n = 0; ; n++) {
    const b = `=_digest_${createHash('sha256').update(`${seed}\0${n}`).digest('hex').slice(0, 32)}`;
    if (!parts.some((p) => p.includes(b))) return b;
  }
}

const eightBit = (data: Buffer): boolean => data.some((byte) => byte >= 0x80);

export function buildMimeDigest(issue: DigestIssue, posts: PostSummary[]): Buffer {
  const bodies = posts.map((p) => p.encapsulated);
  const toc = Buffer.from(tableOfContents(issue, posts), 'utf8');
  const outer = boundary(`${issue.listId}:${issue.period}:outer`, [...bodies, toc]);
  const inner = boundary(`${issue.listId}:${issue.period}:inner`, [...bodies, toc]);
  const chunks: Buffer[] = [
    Buffer.from(
      digestHeader(issue, digestSubject(issue), [`Content-Type: multipart/mixed; boundary="${outer}"`]) +
        '\r\n\r\nThis is a MIME digest.\r\n',
    ),
    Buffer.from(
      `--${outer}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n` +
        `Content-Description: ${issue.listName.replace(/[^\x20-\x7e]/g, '?')} Digest, Vol ${issue.volume}, Issue ${issue.issue}\r\n\r\n`,
    ),
    toc,
    Buffer.from(`\r\n--${outer}\r\nContent-Type: multipart/digest; boundary="${inner}"\r\n\r\n`),
  ];
  for (const body of bodies) {
    const cte = eightBit(body) ? 'Content-Transfer-Encoding: 8bit\r\n' : '';
    chunks.push(Buffer.from(`--${inner}\r\nContent-Type: message/rfc822\r\n${cte}\r\n`), body);
    if (!body.subarray(-2).equals(Buffer.from('\r\n'))) chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${inner}--\r\n\r\n--${outer}--\r\n`));
  return Buffer.concat(chunks);
}
