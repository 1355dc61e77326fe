import { parseMessageStructure } from '../../../core/mime';
import { readHeader } from '../../../core/mime/header-parser';
import type { DigestIssue } from '../../../core/lists/digest/digest-header';
import { buildMimeDigest } from '../../../core/lists/digest/digest-mime';
import {
  buildPlainDigest,
  RFC1153_MESSAGE_SEPARATOR,
  RFC1153_PREAMBLE_SEPARATOR,
} from '../../../core/lists/digest/digest-plain';
import { summarisePost } from '../../../core/lists/digest/post-summary';
import { post } from './list-fixture';

const issue: DigestIssue = {
  listId: '7',
  listName: 'Dev',
  listAddress: 'dev@lists.test',
  period: 'd2026-12-03',
  volume: 1,
  issue: 4,
  date: new Date('2026-12-04T00:00:05Z'),
};

const posts = [
  post(1),
  post(2, { body: `before\r\n${'-'.repeat(30)}\r\nafter` }),
  Buffer.from(
    'From: =?utf-8?q?Zo=C3=AB?= <zoe@example.org>\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>HTML</b></p>\r\n',
  ),
].map(summarisePost);

const header = (raw: Buffer, name: string) =>
  readHeader(raw, 0, raw.length).fields.find((f) => f.name.toLowerCase() === name)?.value;

describe('MIME digest (RFC 2046 §5.1.5)', () => {
  const raw = buildMimeDigest(issue, posts);
  const structure = parseMessageStructure(raw);

  test('multipart/mixed: a text/plain table of contents, then a multipart/digest of message/rfc822 parts', () => {
    const top = structure.body;
    expect(top.kind).toBe('multipart');
    if (top.kind !== 'multipart') return;
    expect(top.subtype.toLowerCase()).toBe('mixed');
    expect(top.parts.map((p) => `${p.type}/${p.subtype}`.toLowerCase())).toEqual([
      'text/plain',
      'multipart/digest',
    ]);
    const digest = top.parts[1];
    if (digest.kind !== 'multipart') throw new Error('no digest part');
    expect(digest.parts).toHaveLength(3);
    for (const [i, part] of digest.parts.entries()) {
      expect(part.kind).toBe('message');
      if (part.kind !== 'message') continue;
      expect(part.message.envelope.messageId).toBe(i < 2 ? `<post-${i + 1}@example.org>` : null);
    }
    const toc = raw.subarray(top.parts[0].bodyStart, top.parts[0].bodyEnd).toString('utf8');
    expect(toc).toContain('1. Topic number 1 (Poster 1 <poster1@example.org>)');
    expect(toc).toContain('3. Café (Zoë <zoe@example.org>)');
  });

  test('the list sends it: From the -request address, To the list, numbered subject; trace fields dropped', () => {
    expect(header(raw, 'from')).toBe('Dev <dev-request@lists.test>');
    expect(header(raw, 'to')).toBe('dev@lists.test');
    expect(header(raw, 'subject')).toBe('Dev Digest, Vol 1, Issue 4');
    expect(raw.toString('latin1')).not.toContain('Received:');
  });

  test('a rebuild gives the same bytes (same blob key, same Message-ID)', () => {
    expect(buildMimeDigest(issue, posts).equals(raw)).toBe(true);
  });
});

describe('plain-text digest (RFC 1153)', () => {
  const raw = buildPlainDigest(issue, posts);
  const text = raw.toString('utf8');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const lines = body.split('\r\n');

  test('preamble with topics, 70 hyphens, each message with Date/From/Subject then 30 hyphens, the trailer', () => {
    expect(header(raw, 'subject')).toBe('Dev Digest V1 #4');
    expect(lines[0]).toMatch(/^Dev Digest\t.+\tVolume 1 : Issue 4$/);
    expect(lines).toContain("Today's Topics:");
    expect(lines.filter((l) => l === RFC1153_PREAMBLE_SEPARATOR)).toHaveLength(1);
    expect(lines.filter((l) => l === RFC1153_MESSAGE_SEPARATOR)).toHaveLength(3);
    const first = lines.indexOf(RFC1153_PREAMBLE_SEPARATOR);
    expect(lines.slice(first + 2, first + 5)).toEqual([
      'Date: Thu, 3 Dec 2026 09:01:00 +0000',
      'From: Poster 1 <poster1@example.org>',
      'Subject: Topic number 1',
    ]);
    expect(lines.slice(-3)).toEqual(['End of Dev Digest V1 Issue #4', '*'.repeat(29), '']);
  });

  test('a body line of 30 hyphens is indented so it cannot end its message; HTML posts come as text', () => {
    expect(lines).toContain(` ${RFC1153_MESSAGE_SEPARATOR}`);
    expect(body).toContain('Hello  HTML');
    expect(body).toContain('Subject: Café');
  });

  test('a post with a line over 998 octets makes the digest quoted-printable; decoded, the line is whole', () => {
    const long = 'lorem-ipsum '.repeat(125).trim();
    const big = buildPlainDigest(issue, [summarisePost(post(9, { body: `${long}\r\nshort line` }))]);
    const bigText = big.toString('latin1');
    expect(header(big, 'content-transfer-encoding')).toBe('quoted-printable');
    for (const line of bigText.split('\r\n'))
      expect(Buffer.byteLength(line, 'latin1')).toBeLessThanOrEqual(998);
    const qpBody = bigText.slice(bigText.indexOf('\r\n\r\n') + 4);
    const plain = Buffer.from(
      qpBody
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
    expect(plain).toContain(long);
    expect(header(raw, 'content-transfer-encoding')).toBe('8bit');
  });
});
