/**
 * RFC 5173 body: :raw (the undecoded body), :content <types> (decoded parts of those types)
 * and :text (the default: decoded text parts, HTML reduced to text).
 */
import { decode as decodeCharset } from 'libmime/lib/charset';
import { paramValue } from '../../mime/content-type';
import { parseMessageStructure } from '../../mime/structure';
import { stripHtml } from '../../mime/text-extract';
import { decodeTransferEncoding } from '../../mime/transfer-decoding';
import type { BodyPart } from '../../mime/types';
import { argStrings, MATCHING_TAGS, tagStrings, type Spec } from '../spec';
import { matchKeys } from './common';

/** Bytes of one part looked at: bounded so a huge attachment cannot stall delivery. */
const PART_LIMIT = 1024 * 1024;

function typeMatches(part: BodyPart, wanted: string[]): boolean {
  const type = part.type.toLowerCase();
  const full = `${type}/${part.subtype.toLowerCase()}`;
  return wanted.some((w) => {
    const x = w.toLowerCase();
    return x === '' || x === type || x === full;
  });
}

function partText(raw: Buffer, part: BodyPart, html: boolean): string {
  const end = Math.min(part.bodyEnd, part.bodyStart + PART_LIMIT);
  const slice = raw.subarray(part.bodyStart, end);
  if (part.kind === 'multipart') return slice.toString('utf8');
  const bytes = decodeTransferEncoding(slice, part.encoding);
  if (part.kind !== 'text') return bytes.toString('latin1');
  const text = decodeCharset(bytes, paramValue(part.params, 'charset') ?? 'us-ascii');
  // Tags leave runs of spaces behind; one space keeps phrases across inline markup matchable.
  return html && part.subtype.toLowerCase() === 'html' ? stripHtml(text).replace(/\s+/g, ' ') : text;
}

function bodyValues(raw: Buffer, types: string[] | null): string[] {
  const out: string[] = [];
  const walk = (part: BodyPart): void => {
    if (part.kind === 'multipart') {
      part.parts.forEach(walk);
      return;
    }
    if (part.kind === 'message' && (types === null || !typeMatches(part, types))) {
      walk(part.message.body);
      return;
    }
    if (types === null ? part.kind === 'text' : typeMatches(part, types))
      out.push(partText(raw, part, types === null));
  };
  walk(parseMessageStructure(raw).body);
  return out;
}

export const bodyTests: Spec[] = [
  {
    name: 'body',
    kind: 'test',
    ext: ['body'],
    tags: [
      ...MATCHING_TAGS,
      { name: 'raw', group: 'transform' },
      { name: 'content', param: 'stringlist', group: 'transform' },
      { name: 'text', group: 'transform' },
    ],
    args: ['stringlist'],
    test: async (node, rt) => {
      const raw = rt.env.message;
      let values: string[];
      if (node.tags.raw === true) {
        values = [rt.message.body.subarray(0, PART_LIMIT).toString('utf8')];
      } else {
        const content = tagStrings(node, 'content');
        values = bodyValues(raw, content ? rt.strs(content) : null);
      }
      return matchKeys(rt, node, values, argStrings(node, 0));
    },
  },
];
