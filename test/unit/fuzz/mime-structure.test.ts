/**
 * Fuzz layer for the MIME structure parser (issue #11). Generated messages (nested multiparts,
 * message/rfc822, boundaries that are prefixes of each other) are parsed back into the parts they
 * were built from; damaged ones (truncated, bytes overwritten, missing delimiters, bare LF) still
 * parse without an exception into ranges that lie inside the message and nest properly, and every
 * section path resolves inside the message. Seeded and bounded.
 */
import fc from 'fast-check';
import {
  decodeHeaderValue,
  decodeTransferEncoding,
  extractSearchText,
  parseAddressList,
  parseMessageStructure,
  resolveSection,
  type BodyPart,
} from '../../../core/mime';

const SEED = 20261108;
const RUNS = 250;

interface Node {
  text: string;
  /** The part's own bytes (MIME header + body) for each child, when it is a multipart. */
  children: string[] | null;
}

const bodyText = fc
  .array(fc.constantFrom('hello', ' ', '\r\n', '=3D', 'é', '\t', '.', 'From x', '\r\n\r\n'), { maxLength: 8 })
  .map((parts) => parts.join(''));
const boundary = fc.constantFrom('b', 'b1', 'bb', '=_x', 'b-1', "'()+_,-./:=?");

const leaf: fc.Arbitrary<Node> = fc
  .tuple(fc.constantFrom('text/plain', 'application/octet-stream', 'text/html; charset=utf-8', ''), bodyText)
  .map(([type, body]) => ({
    text: (type ? `Content-Type: ${type}\r\n` : '') + `\r\n${body}`,
    children: null,
  }));

const tree: fc.Memo<Node> = fc.memo((depth) => {
  if (depth <= 1) return leaf;
  const multipart = fc
    .tuple(boundary, fc.array(tree(depth - 1), { minLength: 1, maxLength: 3 }), bodyText, bodyText)
    .map(([b, parts, preamble, epilogue]) => {
      // A boundary must not occur in the parts (RFC 2046 §5.1.1): make it unique per level.
      const unique = `${b}${depth}`;
      const texts = parts.map((p) => p.text);
      const body = `${preamble.replace(/-/g, '')}\r\n${texts.map((t) => `--${unique}\r\n${t}\r\n`).join('')}--${unique}--\r\n${epilogue.replace(/-/g, '')}`;
      return {
        text: `Content-Type: multipart/mixed; boundary="${unique}"\r\n\r\n${body}`,
        children: texts,
      };
    });
  const message = tree(depth - 1).map((inner) => ({
    text: `Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n${inner.text}`,
    children: null,
  }));
  return fc.oneof(
    { weight: 1, arbitrary: leaf },
    { weight: 3, arbitrary: multipart },
    { weight: 1, arbitrary: message },
  );
});

const message = tree(4).map((root) => ({
  root,
  raw: Buffer.from(`From: a@b.test\r\nSubject: fuzz\r\nMIME-Version: 1.0\r\n${root.text}`, 'utf8'),
}));

/** Damage: cut, overwrite some bytes, drop a delimiter's dashes, or turn CRLF into LF. */
const damaged = fc
  .tuple(
    message,
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
      maxLength: 6,
    }),
    fc.constantFrom('cut', 'overwrite', 'undelimit', 'bare-lf', 'none'),
  )
  .map(([{ raw }, cutAt, writes, how]) => {
    switch (how) {
      case 'cut':
        return raw.subarray(0, Math.floor(cutAt * raw.length));
      case 'overwrite': {
        const copy = Buffer.from(raw);
        for (const [at, byte] of writes) copy[Math.floor(at * (copy.length - 1))] = byte;
        return copy;
      }
      case 'undelimit':
        return Buffer.from(raw.toString('latin1').replace(/\r\n--([^\r\n]*)--/, '\r\n$1'), 'latin1');
      case 'bare-lf':
        return Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      default:
        return raw;
    }
  });

/** Every part's offsets lie inside its parent's body and in order; returns all section paths. */
function checkPart(part: BodyPart, lo: number, hi: number, path: number[], paths: number[][]): void {
  expect(part.headerStart).toBeGreaterThanOrEqual(lo);
  expect(part.headerStart).toBeLessThanOrEqual(part.bodyStart);
  expect(part.bodyStart).toBeLessThanOrEqual(part.bodyEnd);
  expect(part.bodyEnd).toBeLessThanOrEqual(hi);
  paths.push(path);
  if (part.kind === 'multipart') {
    let previousEnd = part.bodyStart;
    part.parts.forEach((child, i) => {
      expect(child.headerStart).toBeGreaterThanOrEqual(previousEnd);
      checkPart(child, part.bodyStart, part.bodyEnd, [...path, i + 1], paths);
      previousEnd = child.bodyEnd;
    });
  } else if (part.kind === 'message') {
    const inner = part.message;
    expect(inner.headerStart).toBeGreaterThanOrEqual(part.bodyStart);
    expect(inner.bodyEnd).toBeLessThanOrEqual(part.bodyEnd);
    checkPart(inner.body, inner.headerStart, inner.bodyEnd, [...path, 1], paths);
  }
}

function checkStructure(raw: Buffer): void {
  const structure = parseMessageStructure(raw);
  expect(structure.size).toBe(raw.length);
  expect(structure.headerSize).toBeLessThanOrEqual(raw.length);
  const paths: number[][] = [];
  const top = structure.body;
  if (top.kind === 'multipart') {
    top.parts.forEach((child, i) => checkPart(child, top.bodyStart, top.bodyEnd, [i + 1], paths));
    checkPart(top, 0, raw.length, [], []);
  } else checkPart(top, 0, raw.length, [1], paths);
  for (const path of [[], ...paths]) {
    const section = resolveSection(structure, path);
    if (!section) continue;
    for (const range of [section.body, section.mime, section.header, section.text]) {
      if (!range) continue;
      expect(range.start).toBeGreaterThanOrEqual(0);
      expect(range.start).toBeLessThanOrEqual(range.end);
      expect(range.end).toBeLessThanOrEqual(raw.length);
    }
  }
  expect(resolveSection(structure, [paths.length + 7])).toBeNull();
  extractSearchText(raw, structure);
}

describe('MIME structure parser', () => {
  it('gives back the parts a well-formed message was built from', () => {
    fc.assert(
      fc.property(message, ({ root, raw }) => {
        const structure = parseMessageStructure(raw);
        if (root.children === null) return;
        const body = structure.body;
        expect(body.kind).toBe('multipart');
        if (body.kind !== 'multipart') return;
        expect(body.parts.map((p) => raw.toString('utf8', p.headerStart, p.bodyEnd))).toEqual(root.children);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('parses any damaged message into ranges that stay inside it', () => {
    fc.assert(fc.property(damaged, checkStructure), { seed: SEED + 1, numRuns: 150 });
  });

  it('parses arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => checkStructure(Buffer.from(bytes))),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('survives nesting far beyond its depth limit', () => {
    let raw = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
    for (let depth = 0; depth < 400; depth++) {
      raw =
        depth % 2 === 0
          ? `Content-Type: multipart/mixed; boundary="n${depth}"\r\n\r\n--n${depth}\r\n${raw}\r\n--n${depth}--\r\n`
          : `Content-Type: message/rfc822\r\n\r\n${raw}`;
    }
    checkStructure(Buffer.from(raw));
  });

  it('header decoders never throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc
            .array(
              fc.constantFrom(
                '=?utf-8?B?',
                '=?iso-8859-1?Q?',
                '?=',
                '"',
                '<',
                '>',
                '@',
                ',',
                ':',
                ';',
                '(',
                ')',
                '\\',
                'a',
                ' ',
              ),
              {
                maxLength: 20,
              },
            )
            .map((p) => p.join('')),
        ),
        (value) => {
          decodeHeaderValue(value);
          const list = parseAddressList(value);
          if (list) for (const address of list) expect(typeof address).toBe('object');
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('transfer decoders never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.constantFrom('base64', 'quoted-printable', '7bit', 'x-unknown', 'BASE64'),
        (bytes, encoding) => {
          expect(Buffer.isBuffer(decodeTransferEncoding(Buffer.from(bytes), encoding))).toBe(true);
        },
      ),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });
});
